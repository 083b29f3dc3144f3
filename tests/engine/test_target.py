"""Target profiles: a full profile loads into dataclasses; mistakes name file:line with a hint."""

from __future__ import annotations

from pathlib import Path

import pytest

from conformance.errors import CaseError
from conformance.target import ExpectedFailure, TargetProfile, default_profile, load_profile

FULL = """\
name: acme
url: ws://chat.example:8080/ws
control_api: http://chat.example:8080
capabilities: [sign-up, multi-device]
users: {provision: tokens, tokens: [t1, t2, t3]}
time: real
expected_failures:
  - {id: groups.create.owner-flag-per-viewer, reason: "owner is not viewer-relative", link: "https://bugs/1"}
  - id: invites.use.exhausted
    reason: counts uses wrongly
"""


def load(tmp_path: Path, text: str) -> TargetProfile:
    path = tmp_path / "acme.yaml"
    path.write_text(text)
    return load_profile(path, "targets/acme.yaml")


def test_full_profile(tmp_path: Path) -> None:
    profile = load(tmp_path, FULL)
    assert profile == load_profile(tmp_path / "acme.yaml", "targets/acme.yaml")
    assert profile.url == "ws://chat.example:8080/ws" and not profile.embedded
    assert profile.tokens == ("t1", "t2", "t3") and profile.provision == "tokens"
    assert profile.time == "real"
    assert profile.expected_failures == (
        ExpectedFailure(
            "groups.create.owner-flag-per-viewer",
            "owner is not viewer-relative",
            "https://bugs/1",
            "targets/acme.yaml:8",
        ),
        ExpectedFailure("invites.use.exhausted", "counts uses wrongly", None),
    )
    assert [entry.source for entry in profile.expected_failures] == ["targets/acme.yaml:8", "targets/acme.yaml:9"]


def test_minimal_profiles_and_defaults(tmp_path: Path) -> None:
    embedded = load(tmp_path, "url: embedded\n")
    assert embedded.embedded and embedded.time == "clock-control" and embedded.expected_failures == ()
    remote = load(tmp_path, "url: wss://x.example/ws\n")
    assert remote.control_api is None and remote.time == "unsupported" and remote.provision == "sign-up"
    assert default_profile(None).embedded and default_profile("ws://h:1/").control_api == "auto"


@pytest.mark.parametrize(
    ("text", "fragments"),
    [
        (
            "url: embedded\ncapabilites: []\n",
            ["targets/acme.yaml:2", "unknown key 'capabilites'", "did you mean 'capabilities'"],
        ),
        ("url: http://x\n", ["targets/acme.yaml:1", "ws://host:port/path"]),
        ("url: embedded\ncapabilities: [clock-contrl]\n", ["unknown capability", "did you mean 'clock-control'"]),
        ("url: embedded\ntime: rael\n", ["time: 'rael'", "did you mean 'real'"]),
        ("url: embedded\nusers: {provision: token}\n", ["provision: 'token'", "did you mean 'tokens'"]),
        ("url: embedded\nusers: {provision: tokens}\n", ["needs a non-empty tokens list"]),
        ("url: embedded\nexpected_failures: [{id: a.b}]\n", ["expected failure 'a.b' has no `reason`"]),
        ("url: embedded\nexpected_failures: [{id: a.b, reason: r, ticket: 1}]\n", ["unknown key 'ticket'"]),
        ("name: x\n", ["missing key 'url'"]),
    ],
)
def test_profile_mistakes(tmp_path: Path, text: str, fragments: list[str]) -> None:
    with pytest.raises(CaseError) as caught:
        load(tmp_path, text)
    for fragment in fragments:
        assert fragment in str(caught.value)
