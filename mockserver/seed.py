"""Pre-provisioned users, from `POST /__admin/users` or `osmium-mock --seed FILE` (same shape in both)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from mockserver.domain.contract import DomainError
from mockserver.service_api import ChatServiceAPI

_USER_KEYS = ("name", "username", "email", "password")


class SeedError(ValueError):
    """Seed input that cannot be used; the message names the offending entry and key."""


@dataclass(frozen=True)
class SeedUser:
    name: str
    username: str | None
    email: str
    password: str


@dataclass(frozen=True)
class SeededUser:
    """A created user with a live session; ids are rendered as decimal strings (they exceed 2^53)."""

    user_id: int
    session_id: int
    token: str

    def to_json(self) -> dict[str, Any]:
        return {"id": str(self.user_id), "session_id": str(self.session_id), "token": self.token}


def parse_users(document: object, *, source: str = "request") -> list[SeedUser]:
    """Read `{"users": [{name, username, email, password}, ...]}` (a bare list is accepted too)."""
    entries = document.get("users") if isinstance(document, dict) else document
    if not isinstance(entries, list):
        raise SeedError(f"{source}: expected {{'users': [ {{name, username, email, password}}, ... ]}}")
    users = []
    for index, entry in enumerate(entries):
        where = f"{source}: users[{index}]"
        if not isinstance(entry, dict):
            raise SeedError(f"{where}: expected an object with keys {', '.join(_USER_KEYS)}")
        unknown = set(entry) - set(_USER_KEYS)
        if unknown:
            raise SeedError(f"{where}: unknown key(s) {', '.join(sorted(map(str, unknown)))}")
        for key in ("name", "email", "password"):
            if not isinstance(entry.get(key), str) or not entry[key]:
                raise SeedError(f"{where}: '{key}' must be a non-empty string")
        username = entry.get("username")
        if username is not None and not isinstance(username, str):
            raise SeedError(f"{where}: 'username' must be a string")
        users.append(SeedUser(entry["name"], username, entry["email"], entry["password"]))
    return users


def load_seed_file(path: Path) -> list[SeedUser]:
    """Parse a YAML seed file, with errors that name the file."""
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise SeedError(f"{path}: cannot read: {error.strerror}") from None
    except yaml.YAMLError as error:
        raise SeedError(f"{path}: not valid YAML: {error}") from None
    return parse_users(document, source=str(path))


def seed(service: ChatServiceAPI, users: list[SeedUser]) -> list[SeededUser]:
    """Create the users; a domain refusal (e.g. duplicate email) surfaces as a SeedError."""
    created = []
    for user in users:
        try:
            seeded = service.seed_user(user.name, username=user.username, email=user.email, password=user.password)
        except DomainError as error:
            raise SeedError(f"user {user.email!r}: {error.message} ({error.code})") from None
        created.append(SeededUser(seeded.user_id, seeded.session_id, seeded.token))
    return created
