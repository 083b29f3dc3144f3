"""`python -m mockserver`: the same as `osmium-mock`."""

import sys

from mockserver.cli import main

sys.exit(main())
