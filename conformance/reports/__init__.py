"""Reports of a graded run: JSON (schema'd), one self-contained HTML page, and JUnit properties."""
