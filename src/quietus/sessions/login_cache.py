"""Logins whose password was verified lately, so that a client reconnecting does not pay argon2id each time.

MySQL's ``caching_sha2_password`` does the same: the slow hash is paid at the first successful login, and later
logins with the same password are checked against a fast keyed digest held in memory only.

Why it is safe (docs/design/security.md, "The verified-login cache"):

1. Only a **successful** check is remembered; a wrong password, an unknown login, a disabled one all still pay the
   full argon2id check, so guessing online is as slow as before and a failed login reveals nothing new.
2. What is kept is ``HMAC-SHA-256(process key, password)`` with the stored hash it was verified against.  The key is
   random per process and never leaves memory; nothing is written to disk, so a stolen catalog or backup still costs
   an attacker a full argon2id per guess.  An attacker who can read the process's memory gains little: every
   LOGIN7 packet carries its password in the clear (TDS obfuscation is not encryption) through that same memory.
3. An entry counts only while the login's stored hash is the one it was made against: ALTER LOGIN ... WITH PASSWORD
   (a new salt, a new hash) or DROP and CREATE invalidate it without a hook.
4. Bounded: at most ``CACHED_LOGINS`` entries, least recently used out first.
"""

from __future__ import annotations

import collections
import hashlib
import hmac
import secrets

CACHED_LOGINS = 4096


class VerifiedLogins:
    """(login, stored hash) → keyed digest of the password that matched it."""

    def __init__(self, capacity: int = CACHED_LOGINS) -> None:
        self.capacity = capacity
        self._key = secrets.token_bytes(32)
        self._entries: collections.OrderedDict[str, tuple[bytes, bytes]] = collections.OrderedDict()
        self.hits = 0

    def _digest(self, password: str) -> bytes:
        return hmac.new(self._key, password.encode("utf-8", "surrogatepass"), hashlib.sha256).digest()

    def matches(self, login: str, stored: bytes | None, password: str) -> bool:
        """True only if ``password`` was verified against exactly ``stored`` for ``login`` before."""
        if stored is None:
            return False
        folded = login.casefold()
        entry = self._entries.get(folded)
        if entry is None or entry[0] != stored or not hmac.compare_digest(entry[1], self._digest(password)):
            return False
        self._entries.move_to_end(folded)
        self.hits += 1
        return True

    def remember(self, login: str, stored: bytes, password: str) -> None:
        """After a successful argon2id check of ``password`` against ``stored``."""
        folded = login.casefold()
        self._entries[folded] = (stored, self._digest(password))
        self._entries.move_to_end(folded)
        while len(self._entries) > self.capacity:
            self._entries.popitem(last=False)

    def __len__(self) -> int:
        return len(self._entries)
