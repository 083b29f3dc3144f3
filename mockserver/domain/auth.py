"""Sign-up, sign-in and authorize (§9.1-§9.3): each creates or resumes a session and binds the socket."""

from __future__ import annotations

from dataclasses import dataclass

from mockserver.domain import credentials, render
from mockserver.domain.context import BAD_REQUEST, CONFLICT, UNAUTHORIZED, Context, result_with
from mockserver.domain.contract import Binding, DomainError, Outcome
from mockserver.domain.model import Session, User
from osmiumwire import auth_pb2, core_pb2


@dataclass(frozen=True)
class SeededUser:
    """A user created through the control API, with a session ready for `auth_authorize`."""

    user_id: int
    session_id: int
    token: str


def create_user(
    ctx: Context, name: str, *, username: str | None = None, email: str | None = None, password: str | None = None
) -> User:
    """Validate and store a new user: name non-empty after trim (400), email and username unique (409)."""
    if not name.strip():
        raise DomainError(BAD_REQUEST, "name must not be empty")
    if email is not None and email.casefold() in ctx.store.user_by_email:
        raise DomainError(CONFLICT, "email already registered")
    if username is not None:
        username = username.removeprefix("@")
        if not username.strip():
            raise DomainError(BAD_REQUEST, "username must not be empty")
        if username.casefold() in ctx.store.user_by_username:
            raise DomainError(CONFLICT, "username already taken")
    user = User(
        id=ctx.ids.next_id(), name=name, username=username, email=email,
        password=None if password is None else credentials.hash_password(password, ctx.options.scrypt_n),
    )
    ctx.store.add_user(user)
    return user


def open_session(ctx: Context, user: User) -> Session:
    session = Session(id=ctx.ids.next_id(), user_id=user.id, token=credentials.new_token())
    ctx.store.add_session(session)
    return session


def seed_user(
    ctx: Context, name: str, *, username: str | None = None, email: str | None = None, password: str | None = None
) -> SeededUser:
    user = create_user(ctx, name, username=username, email=email, password=password)
    session = open_session(ctx, user)
    return SeededUser(user_id=user.id, session_id=session.id, token=session.token)


def _authorized(user: User, session: Session) -> Outcome:
    authorization = auth_pb2.Authorization(token=session.token, user=render.user(user), session_id=session.id)
    return Outcome(
        result=result_with("authorization", authorization), bind=Binding(user_id=user.id, session_id=session.id)
    )


def sign_up(ctx: Context, caller: int | None, request: core_pb2.ClientMessage) -> Outcome:
    """§9.1: email optional but unique (409), password optional, name required (400)."""
    sign_up_request = request.auth_sign_up
    user = create_user(
        ctx, sign_up_request.name,
        email=sign_up_request.email if sign_up_request.HasField("email") else None,
        password=sign_up_request.password if sign_up_request.HasField("password") else None,
    )
    return _authorized(user, open_session(ctx, user))


def sign_in(ctx: Context, caller: int | None, request: core_pb2.ClientMessage) -> Outcome:
    """§9.2: unknown email or wrong password -> 401; `totp` ignored; a new session each time."""
    sign_in_request = request.auth_sign_in
    user_id = ctx.store.user_by_email.get(sign_in_request.email.casefold())
    user = None if user_id is None else ctx.store.users.get(user_id)
    if user is None or not credentials.password_matches(user.password, sign_in_request.password):
        raise DomainError(UNAUTHORIZED, "bad credentials")
    return _authorized(user, open_session(ctx, user))


def authorize(ctx: Context, caller: int | None, request: core_pb2.ClientMessage) -> Outcome:
    """§9.3: a known token resumes its session (same session id); anything else -> 401."""
    token = request.auth_authorize.token
    session_id = ctx.store.session_by_token.get(token)
    session = None if session_id is None else ctx.store.sessions.get(session_id)
    if session is None or not credentials.tokens_equal(session.token, token):
        raise DomainError(UNAUTHORIZED, "bad token")
    return _authorized(ctx.store.users[session.user_id], session)
