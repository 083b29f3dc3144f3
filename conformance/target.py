"""Target profiles (`targets/NAME.yaml`): where the server is, what it can do, what is known to fail.

```yaml
name: my-server
url: ws://127.0.0.1:8080/ws          # or "embedded": the bundled server, started in-process
control_api: http://127.0.0.1:8080   # optional; capabilities are then probed from GET /__admin/capabilities
capabilities: [sign-up, multi-device] # declared (used when there is no control API)
users: {provision: sign-up}          # or {provision: tokens, tokens: [t1, t2, ...]}
time: clock-control                  # clock-control | real | unsupported
expected_failures:
  - {id: groups.create.owner-flag-per-viewer, reason: "owner flag not viewer-relative", link: "https://..."}
```
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from conformance.errors import CaseError, Location, did_you_mean
from conformance.scenario.loader import YDict, YList, load_yaml_file

KNOWN_CAPABILITIES = ("sign-up", "clock-control", "seed-users", "multi-device", "raw-frames")
TIME_MODES = ("clock-control", "real", "unsupported")
EMBEDDED = "embedded"
PROFILE_KEYS = ("name", "url", "control_api", "capabilities", "users", "time", "expected_failures", "description")
DEFAULT_CAPABILITIES = ("sign-up", "multi-device", "raw-frames")


@dataclass(frozen=True)
class ExpectedFailure:
    """One entry of a profile's `expected_failures` (the ratchet that uses them: `conformance/expectations.py`)."""

    case_id: str
    reason: str
    link: str | None = None
    source: str = field(default="", compare=False)  # "targets/x.yaml:12"; not part of the entry's identity


@dataclass(frozen=True)
class TargetProfile:
    name: str
    url: str  # "embedded" or ws://...
    control_api: str | None = None  # "auto" (try url's host), an http URL, or None
    capabilities: tuple[str, ...] = DEFAULT_CAPABILITIES
    provision: str = "sign-up"  # sign-up | tokens
    tokens: tuple[str, ...] = ()
    time: str = "unsupported"
    expected_failures: tuple[ExpectedFailure, ...] = ()
    path: str | None = None
    capabilities_declared: bool = False  # the file lists them (the gate holds a profile to what it claims)

    @property
    def embedded(self) -> bool:
        return self.url == EMBEDDED


PROFILE_KEY = pytest.StashKey[TargetProfile]()


def default_profile(url: str | None) -> TargetProfile:
    """No profile file: the bundled server, or a bare `--target` URL probed through its control API if any."""
    if url is None:
        return TargetProfile(name="embedded", url=EMBEDDED, control_api="auto", time="clock-control")
    return TargetProfile(name=url, url=url, control_api="auto", time="unsupported")


def load_profile(path: Path, display: str | None = None) -> TargetProfile:
    shown = display or str(path)
    document = load_yaml_file(path, shown)
    if not isinstance(document, YDict):
        raise CaseError(Location(shown, 1), "a target profile is a mapping", expected="name:, url:, ...")
    for key in document:
        if key not in PROFILE_KEYS:
            raise CaseError(
                document.location(key),
                f"unknown key {key!r} in target profile",
                expected="one of " + ", ".join(PROFILE_KEYS),
                suggestion=did_you_mean(key, PROFILE_KEYS),
            )
    url = _string(document, "url", shown, required=True)
    if url != EMBEDDED and not url.startswith(("ws://", "wss://")):
        raise CaseError(
            document.location("url"), f"url {url!r}", expected="ws://host:port/path, wss://..., or embedded"
        )
    capabilities = document.get("capabilities")
    if capabilities is None:
        capabilities = YList(DEFAULT_CAPABILITIES)
        capabilities.item_lines = []
    if not isinstance(capabilities, YList):
        raise CaseError(document.location("capabilities"), "capabilities must be a list", expected="[sign-up, ...]")
    for index, capability in enumerate(capabilities):
        if capability not in KNOWN_CAPABILITIES:
            raise CaseError(
                capabilities.location(index),
                f"unknown capability {capability!r}",
                expected="one of " + ", ".join(KNOWN_CAPABILITIES),
                suggestion=did_you_mean(str(capability), KNOWN_CAPABILITIES),
            )
    time_mode = document.get("time", "clock-control" if url == EMBEDDED else "unsupported")
    if time_mode not in TIME_MODES:
        raise CaseError(
            document.location("time"),
            f"time: {time_mode!r}",
            expected="one of " + ", ".join(TIME_MODES),
            suggestion=did_you_mean(str(time_mode), TIME_MODES),
        )
    provision, tokens = _users(document, shown)
    control = document.get("control_api", "auto" if url == EMBEDDED else None)
    return TargetProfile(
        name=str(document.get("name", path.stem)),
        url=url,
        control_api=str(control) if control else None,
        capabilities=tuple(capabilities),
        provision=provision,
        tokens=tokens,
        time=str(time_mode),
        expected_failures=_expected_failures(document),
        path=shown,
        capabilities_declared="capabilities" in document,
    )


def _string(document: YDict, key: str, shown: str, *, required: bool = False) -> str:
    value = document.get(key)
    if value is None and required:
        raise CaseError(document.location(), f"missing key {key!r} in target profile {shown}")
    if not isinstance(value, str):
        raise CaseError(document.location(key), f"{key} must be a string, found {value!r}")
    return value


def _users(document: YDict, shown: str) -> tuple[str, tuple[str, ...]]:
    users: Any = document.get("users")
    if users is None:
        return "sign-up", ()
    if not isinstance(users, YDict):
        raise CaseError(
            document.location("users"),
            "users must be a mapping",
            expected="{provision: sign-up} or {provision: tokens, tokens: [...]}",
        )
    provision = users.get("provision", "sign-up")
    if provision not in ("sign-up", "tokens"):
        raise CaseError(
            users.location("provision"),
            f"provision: {provision!r}",
            expected="sign-up or tokens",
            suggestion=did_you_mean(str(provision), ["sign-up", "tokens"]),
        )
    tokens = users.get("tokens", [])
    if provision == "tokens" and (not isinstance(tokens, list) or not tokens):
        raise CaseError(
            users.location("tokens" if "tokens" in users else None), "provision: tokens needs a non-empty tokens list"
        )
    return str(provision), tuple(str(t) for t in tokens)


def _expected_failures(document: YDict) -> tuple[ExpectedFailure, ...]:
    """The one reader of `expected_failures` (the gate, `explain` and `lint` all go through `load_profile`)."""
    raw = document.get("expected_failures")
    if raw is None:
        return ()
    if not isinstance(raw, YList):
        raise CaseError(
            document.location("expected_failures"), "expected_failures must be a list", expected="[{id, reason, link}]"
        )
    entries: list[ExpectedFailure] = []
    for index, entry in enumerate(raw):
        at = raw.location(index)
        if not isinstance(entry, YDict):
            raise CaseError(at, "an expected failure is a mapping", expected="{id: ..., reason: ..., link: ...}")
        for key in entry:
            if key not in ("id", "reason", "link"):
                raise CaseError(
                    entry.location(key),
                    f"unknown key {key!r} in an expected failure",
                    expected="id, reason, link",
                    suggestion=did_you_mean(key, ["id", "reason", "link"]),
                )
        case_id, reason, link = entry.get("id"), entry.get("reason"), entry.get("link")
        if not isinstance(case_id, str) or not case_id:
            raise CaseError(at, "an expected failure needs an `id` (the case id)",
                            expected="{id: case.id, reason: why}")
        if not isinstance(reason, str) or not reason.strip():
            raise CaseError(at, f"expected failure {case_id!r} has no `reason`; say why the case fails",
                            expected="{id: case.id, reason: why}")
        if link is not None and not isinstance(link, str):
            raise CaseError(entry.location("link"), f"expected failure {case_id!r}: `link` must be a string (a URL)")
        entries.append(ExpectedFailure(case_id, reason, link, str(at)))
    return tuple(entries)


@dataclass
class ResolvedTarget:
    """The profile plus what was learnt at run time: the URL served, the control API, the capabilities."""

    profile: TargetProfile
    url: str
    admin_url: str | None
    capabilities: frozenset[str]
    notes: list[str] = field(default_factory=list)
