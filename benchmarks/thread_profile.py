"""pytest plugin (`-p benchmarks.thread_profile`): cProfile every thread of a run, summarised by area.

cProfile only sees the thread that enabled it, and the bundled mock serves from its own thread, so a
plain `python -m cProfile -m pytest` would miss the server entirely. This plugin starts one profiler in
the main thread and one in every thread started later (via `threading.setprofile`), and at the end writes
a JSON summary to `$BENCH_THREAD_PROFILE_OUT`: per thread, seconds of own time per area (conformance,
mockserver, protobuf, aiohttp, asyncio, pytest, yaml, schema, other) with blocking waits set apart.
"""

from __future__ import annotations

import cProfile
import json
import os
import pstats
import sys
import threading
from collections import defaultdict
from types import FrameType
from typing import Any

import pytest

OUT_ENV = "BENCH_THREAD_PROFILE_OUT"

# (area, needle in the file path or the built-in's name); first match wins.
AREAS: tuple[tuple[str, str], ...] = (
    ("idle", "method 'poll' of 'select.epoll'"),
    ("idle", "method 'acquire' of '_thread."),
    ("idle", "built-in method time.sleep"),
    ("conformance", "/conformance/"),
    ("mockserver", "/mockserver/"),
    ("protobuf", "google/protobuf"),
    ("protobuf", "google._upb"),
    ("protobuf", "/osmiumwire/"),
    ("aiohttp", "/aiohttp/"),
    ("aiohttp", "/yarl/"),
    ("aiohttp", "/multidict/"),
    ("asyncio", "/asyncio/"),
    ("asyncio", "selectors.py"),
    ("socket", "_socket.socket"),
    ("yaml", "/yaml/"),
    ("schema", "/jsonschema"),
    ("schema", "/referencing/"),
    ("pytest", "/_pytest/"),
    ("pytest", "/pluggy/"),
    ("pytest", "/xdist/"),
    ("pytest", "/ast.py"),  # assertion rewriting of the plugin's distribution, redone when no .pyc is written
)

_profiles: list[tuple[str, cProfile.Profile]] = []


Areas = tuple[tuple[str, str], ...]


def area_of(filename: str, function: str, areas: Areas = AREAS) -> str:
    where = f"{filename} {function}"
    return next((area for area, needle in areas if needle in where), "other")


def _profile_new_thread(frame: FrameType, event: str, arg: Any) -> None:
    """Runs once, as the first profile event of a new thread: replace itself with a real profiler."""
    sys.setprofile(None)
    profile = cProfile.Profile()
    _profiles.append((threading.current_thread().name, profile))
    profile.enable()


FunctionKey = tuple[str, int, str]


def _area_with_callers(key: FunctionKey, callers: dict[FunctionKey, Any], areas: Areas) -> str:
    """A built-in (`~`) counts for the area of its heaviest caller (scrypt called by the mock is the mock's)."""
    filename, _, function = key
    area = area_of(filename, function, areas)
    if filename != "~" or area != "other" or not callers:
        return area
    heaviest = max(callers.items(), key=lambda item: item[1][2])[0]
    return area_of(heaviest[0], heaviest[2], areas)


def summarise(profile: cProfile.Profile | pstats.Stats, areas_table: Areas = AREAS, top_n: int = 15) -> dict[str, Any]:
    """Own time per area (`areas`), and the `top` functions by own time outside blocking waits."""
    stats = profile if isinstance(profile, pstats.Stats) else pstats.Stats(profile)
    raw: dict[FunctionKey, tuple[int, int, float, float, dict[FunctionKey, Any]]] = stats.stats  # type: ignore[attr-defined]
    areas: defaultdict[str, float] = defaultdict(float)
    top: list[tuple[float, str]] = []
    for key, (_, _, own, _, callers) in raw.items():
        filename, line, function = key
        area = _area_with_callers(key, callers, areas_table)
        areas[area] += own
        if area != "idle":
            top.append((own, f"{filename}:{line}({function})"))
    top.sort(reverse=True)
    return {"areas": dict(areas), "top": [[seconds, where] for seconds, where in top[:top_n]]}


def pytest_configure(config: pytest.Config) -> None:
    if not os.environ.get(OUT_ENV) or hasattr(config, "workerinput"):
        return
    threading.setprofile(_profile_new_thread)
    main_profile = cProfile.Profile()
    _profiles.append(("MainThread", main_profile))
    main_profile.enable()


def pytest_unconfigure(config: pytest.Config) -> None:
    out = os.environ.get(OUT_ENV)
    if not out or not _profiles:
        return
    threading.setprofile(None)
    summary: dict[str, Any] = {}
    for index, (name, profile) in enumerate(_profiles):
        profile.disable()
        summary[f"{index}:{name}"] = summarise(profile)
    with open(out, "w", encoding="utf-8") as handle:
        json.dump(summary, handle, indent=1)
