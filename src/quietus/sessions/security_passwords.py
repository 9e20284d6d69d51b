"""Password hashes: argon2id (argon2-cffi), salted, in the PHC string format stored as bytes.

Invariants:

1. Only hashes are stored or logged; a password exists only in the statement text or login packet that carried it.
2. A hash names its own parameters (``$argon2id$v=19$m=...,t=...,p=...$salt$hash``), so parameters can change
   without invalidating stored hashes.
3. ``verify`` costs the same for an unknown login as for a wrong password (it checks against a dummy hash), so the
   time a failed login takes does not reveal whether the login exists.

A login that can connect over Oracle Net also keeps the 12c O5LOGON verifier (``protocol.tns.o5logon.Verifier``:
a random salt, the PBKDF2-SHA512 iteration count and the derived key; never the password) after the argon2 hash,
on a second line of the same stored value.  A value without that line (a login made before Oracle Net existed)
has no verifier, and such a login gets ORA-01017 over Oracle Net until its password is set again.

The parameters are OWASP's minimum for argon2id (19 MiB, 2 passes, 1 lane): about 50 ms per hash here.  Hashing is
slow on purpose, so callers on the engine loop run it in a worker thread (``Security.login``, the statement
handlers); argon2-cffi releases the GIL while it hashes.
"""

from __future__ import annotations

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError

from quietus.protocol.tns.o5logon import Verifier, make_verifier

HASHER = PasswordHasher(time_cost=2, memory_cost=19456, parallelism=1, hash_len=32, salt_len=16, type=Type.ID)

_dummy_hash: bytes | None = None


VERIFIER_SEPARATOR = b"\n"


def hash_password(password: str) -> bytes:
    """The stored value: the argon2 hash, then the O5LOGON verifier on a line of its own."""
    argon = HASHER.hash(password).encode("ascii")
    return argon + VERIFIER_SEPARATOR + make_verifier(password).to_text().encode("ascii")


def oracle_verifier(stored: bytes | None) -> Verifier | None:
    """The O5LOGON verifier kept with a hash, or None (no password, or set before Oracle Net existed)."""
    if stored is None or VERIFIER_SEPARATOR not in stored:
        return None
    return Verifier.from_text(stored.split(VERIFIER_SEPARATOR, 1)[1].decode("ascii", "replace"))


def verify_password(stored: bytes | None, password: str) -> bool:
    """True when ``password`` matches ``stored``; a login without a hash (None) matches nothing."""
    global _dummy_hash
    if stored is None:
        if _dummy_hash is None:
            _dummy_hash = hash_password("\x00 no password \x00")
        stored, password = _dummy_hash, password + "\x01"  # same work, never a match
    try:
        return HASHER.verify(stored.split(VERIFIER_SEPARATOR, 1)[0].decode("ascii"), password)
    except (VerificationError, InvalidHashError, UnicodeDecodeError):
        return False
