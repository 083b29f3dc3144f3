"""Secrets (issue 7): random tokens and invite codes from `secrets`, salted scrypt password hashes,
constant-time comparisons."""

from __future__ import annotations

import hashlib
import hmac
import math
import secrets
import string

from mockserver.domain.model import PasswordHash

TOKEN_BYTES = 32  # 256 bits of entropy per session token
INVITE_CODE_LENGTH = 8  # §10.7 REF: 8 characters [A-Za-z0-9], 47.6 bits (`--invite-code-length` changes it)
INVITE_ALPHABET = string.ascii_letters + string.digits
MIN_INVITE_CODE_LENGTH = 6  # 56.8e9 codes: the unique-code loop never spins
MAX_INVITE_CODE_LENGTH = 64
# scrypt cost: low enough that suites signing up thousands of users stay fast, still a real KDF with salt.
SCRYPT_N = 2**12
SCRYPT_R = 8
SCRYPT_P = 1
SALT_BYTES = 16


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def new_invite_code(length: int = INVITE_CODE_LENGTH) -> str:
    return "".join(secrets.choice(INVITE_ALPHABET) for _ in range(length))


def invite_code_bits(length: int) -> float:
    """The entropy of a code of `length` characters drawn uniformly from INVITE_ALPHABET."""
    return length * math.log2(len(INVITE_ALPHABET))


def _derive(password: str, salt: bytes) -> bytes:
    return hashlib.scrypt(password.encode("utf-8"), salt=salt, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P)


def hash_password(password: str) -> PasswordHash:
    salt = secrets.token_bytes(SALT_BYTES)
    return PasswordHash(salt=salt, digest=_derive(password, salt))


def password_matches(stored: PasswordHash | None, candidate: str) -> bool:
    """False for users without a password (passwordless sign-up, §9.1): they can only use Authorize."""
    if stored is None:
        return False
    return hmac.compare_digest(stored.digest, _derive(candidate, stored.salt))


def tokens_equal(known: str, candidate: str) -> bool:
    return hmac.compare_digest(known.encode("utf-8"), candidate.encode("utf-8"))
