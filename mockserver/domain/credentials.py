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
# scrypt cost N (a power of two; memory is 128 * r * N bytes). The default is a real KDF with salt: about
# 10 ms per hash here. `ServiceOptions.scrypt_n` lowers it where only throwaway test passwords are stored.
SCRYPT_N = 2**12
MIN_SCRYPT_N = 2
MAX_SCRYPT_N = 2**14  # 16 MiB per hash, within hashlib's default 32 MiB limit
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


def is_valid_scrypt_n(n: int) -> bool:
    """scrypt needs a power of two above 1; we also keep the memory per hash bounded."""
    return MIN_SCRYPT_N <= n <= MAX_SCRYPT_N and n & (n - 1) == 0


def _derive(password: str, salt: bytes, n: int) -> bytes:
    return hashlib.scrypt(password.encode("utf-8"), salt=salt, n=n, r=SCRYPT_R, p=SCRYPT_P)


def hash_password(password: str, n: int = SCRYPT_N) -> PasswordHash:
    salt = secrets.token_bytes(SALT_BYTES)
    return PasswordHash(salt=salt, digest=_derive(password, salt, n), n=n)


def password_matches(stored: PasswordHash | None, candidate: str) -> bool:
    """False for users without a password (passwordless sign-up, §9.1): they can only use Authorize."""
    if stored is None:
        return False
    return hmac.compare_digest(stored.digest, _derive(candidate, stored.salt, stored.n))


def tokens_equal(known: str, candidate: str) -> bool:
    return hmac.compare_digest(known.encode("utf-8"), candidate.encode("utf-8"))
