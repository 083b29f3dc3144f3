"""Sign-up, sign-in, authorize and the pre-auth gate of the domain core (semantics.md §3, §9, §14)."""

from __future__ import annotations

import pytest

from mockserver.domain.contract import Caller, DomainError
from tests.mockserver.domain.world import World


def test_sign_up_creates_user_session_and_binding() -> None:
    """§9.1: SignUp -> Authorization{token, user, session_id} and the socket is bound."""
    world = World()
    outcome = world.ok(None, "auth_sign_up", name="Alice", email="a@example.org", password="pw")
    auth = outcome.result.authorization
    assert auth.user.name == "Alice" and auth.user.id != 0 and not auth.user.bot
    assert auth.session_id != 0 and len(auth.token) >= 16
    assert outcome.bind is not None and outcome.bind.user_id == auth.user.id
    assert outcome.bind.session_id == auth.session_id


def test_sign_up_rejects_empty_name_and_duplicate_email() -> None:
    """§9.1 REF: empty name after trim -> 400; duplicate email (case-insensitive) -> 409."""
    world = World()
    assert world.error(None, "auth_sign_up", name="   ") == 400
    world.ok(None, "auth_sign_up", name="A", email="Same@Example.org")
    assert world.error(None, "auth_sign_up", name="B", email="same@example.ORG") == 409


def test_passwordless_sign_up_allowed() -> None:
    """§9.1: email and password are optional."""
    world = World()
    actor = world.sign_up("Bot")
    assert world.ok(None, "auth_authorize", token=actor.token).result.authorization.user.id == actor.user_id


def test_sign_in_new_session_and_bad_credentials() -> None:
    """§9.2: good credentials -> a new session; unknown email or wrong password -> 401."""
    world = World()
    first = world.ok(None, "auth_sign_up", name="A", email="a@x.org", password="secret").result.authorization
    second = world.ok(None, "auth_sign_in", email="A@X.org", password="secret").result.authorization
    assert second.user.id == first.user.id and second.session_id != first.session_id
    assert second.token != first.token
    assert world.error(None, "auth_sign_in", email="a@x.org", password="wrong") == 401
    assert world.error(None, "auth_sign_in", email="nobody@x.org", password="secret") == 401


def test_sign_in_without_password_set_fails() -> None:
    """§9.1 REF: a user without a password can only come back through Authorize."""
    world = World()
    world.ok(None, "auth_sign_up", name="A", email="a@x.org")
    assert world.error(None, "auth_sign_in", email="a@x.org", password="") == 401


def test_authorize_resumes_the_same_session() -> None:
    """§9.3: a valid token -> same session id; unknown token -> 401."""
    world = World()
    actor = world.sign_up()
    auth = world.ok(None, "auth_authorize", token=actor.token).result.authorization
    assert (auth.user.id, auth.session_id, auth.token) == (actor.user_id, actor.session_id, actor.token)
    assert world.error(None, "auth_authorize", token="nope") == 401


def test_chat_rpcs_before_auth_are_401() -> None:
    """§3 REF: before authorization only sign-in/up, authorize and lookup_invite are allowed."""
    world = World()
    assert world.error(None, "chats_get_chats") == 401
    assert world.error(None, "chats_create_chat", name="x") == 401
    assert world.error(Caller(user_id=12345, session_id=1), "chats_get_chats") == 401  # unknown user (after reset)


def test_passwords_never_in_dump() -> None:
    """Issue 7: the state dump carries no password, hash or token."""
    world = World()
    world.ok(None, "auth_sign_up", name="A", email="a@x.org", password="hunter2-secret")
    seeded = world.service.seed_user("S", username="sam", password="other-secret")
    text = repr(world.service.dump())
    assert "hunter2-secret" not in text and "other-secret" not in text and seeded.token not in text
    assert "digest" not in text and "salt" not in text


def test_seed_user_returns_a_working_token() -> None:
    """Control API seeding: the token authorizes as that user."""
    world = World()
    seeded = world.service.seed_user("Sam", username="sam", email="sam@x.org", password="pw")
    auth = world.ok(None, "auth_authorize", token=seeded.token).result.authorization
    assert auth.user.id == seeded.user_id and auth.user.username == "sam"
    signed_in = world.ok(None, "auth_sign_in", email="sam@x.org", password="pw").result.authorization
    assert signed_in.user.id == seeded.user_id


def test_reset_forgets_everything() -> None:
    """Control API reset: users and sessions are gone."""
    world = World()
    actor = world.sign_up()
    world.service.reset()
    assert world.error(None, "auth_authorize", token=actor.token) == 401
    assert world.service.dump()["users"] == []


def test_seed_user_rejects_duplicates_with_domain_errors() -> None:
    """§9.1, §9.4, §14: seeding reuses the sign-up rules: empty name 400, taken username/email 409."""
    world = World()
    world.service.seed_user("Sam", username="sam", email="sam@x.org")
    for kwargs, code in [({"name": " "}, 400), ({"name": "S", "username": "@SAM"}, 409),
                         ({"name": "S", "email": "SAM@x.org"}, 409)]:
        with pytest.raises(DomainError) as raised:
            world.service.seed_user(**kwargs)  # type: ignore[arg-type]
        assert raised.value.code == code
