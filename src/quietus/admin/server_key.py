"""The server key: seals the secrets master keeps (a linked server's remote password) so that neither master's
tables, nor its log, nor its checkpoints hold them in plain text.

| what            | where / how                                                                               |
|-----------------|-------------------------------------------------------------------------------------------|
| the key         | 32 random bytes in ``<data dir>/keys/server.key`` (mode 0600, directory 0700), made the   |
|                 | first time a secret is sealed; an in-memory instance keeps one for its lifetime           |
| a sealed secret | ``$qsk1$`` + base64url(nonce(12) + AES-256-GCM(key, nonce, UTF-8 text, aad = purpose))  |
| reading one     | a value without the prefix is plain text written before secrets were sealed: returned as  |
|                 | it is (the caller re-seals it: ``LinkedServers.seal_plain_passwords``)                    |

Invariants: (1) a sealed value never leaves the process decrypted except to the one place that needs it (the
remote login); (2) the key never enters the log, a table or the error log; (3) the purpose is authenticated, so a
value sealed for one use does not open for another; (4) a key file that exists is never replaced: a wrong one is an
error (``ServerKeyError``) rather than a silent loss of every secret sealed with the old one.
"""

from __future__ import annotations

import base64
import os
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

PREFIX = "$qsk1$"
KEY_BYTES = 32
NONCE_BYTES = 12
KEY_DIR = "keys"
KEY_FILE = "server.key"


class ServerKeyError(Exception):
    """The key file cannot be used, or a sealed value does not open with it (the message says which)."""


class ServerKey:
    """AES-256-GCM over the key file's 32 bytes, loaded (or made) on first need."""

    def __init__(self, data_dir: Path | None) -> None:
        self.path = None if data_dir is None else data_dir / KEY_DIR / KEY_FILE
        self._aead: AESGCM | None = None

    def _cipher(self) -> AESGCM:
        if self._aead is None:
            self._aead = AESGCM(self._load_or_make())
        return self._aead

    def _load_or_make(self) -> bytes:
        if self.path is None:
            return AESGCM.generate_key(bit_length=KEY_BYTES * 8)
        try:
            key = self.path.read_bytes()
        except FileNotFoundError:
            return self._make(self.path)
        if len(key) != KEY_BYTES:
            raise ServerKeyError(f"{self.path}: a server key is {KEY_BYTES} bytes, this file has {len(key)}")
        return key

    @staticmethod
    def _make(path: Path) -> bytes:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        key = AESGCM.generate_key(bit_length=KEY_BYTES * 8)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)  # never over an existing key
        with os.fdopen(descriptor, "wb") as out:
            out.write(key)
            out.flush()
            os.fsync(out.fileno())
        directory = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(directory)  # the key is durable before anything sealed with it is
        finally:
            os.close(directory)
        return key

    def seal(self, text: str, purpose: str) -> str:
        nonce = os.urandom(NONCE_BYTES)
        sealed = self._cipher().encrypt(nonce, text.encode("utf-8"), purpose.encode("utf-8"))
        return PREFIX + base64.urlsafe_b64encode(nonce + sealed).decode("ascii")

    def open(self, stored: str, purpose: str) -> str:
        """The text of a sealed value; an unsealed (plain, older) value as it is."""
        if not is_sealed(stored):
            return stored
        raw = base64.urlsafe_b64decode(stored[len(PREFIX) :])
        try:
            return self._cipher().decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], purpose.encode("utf-8")).decode()
        except InvalidTag:
            raise ServerKeyError(f"a secret sealed for {purpose!r} does not open with {self.path}") from None


def is_sealed(stored: str) -> bool:
    return stored.startswith(PREFIX)
