"""O5LOGON with the 12c verifier, server side (tns.md §3.5), over the ``cryptography`` package.

What a login stores (``Verifier``): the 16-byte salt, the PBKDF2 iteration count and ``V = SHA-512(K_pw ‖ salt)
[:32]`` where ``K_pw = PBKDF2-HMAC-SHA512(password, salt ‖ "AUTH_PBKDF2_SPEEDY_KEY", count, 64)``.  V is the AES-256
key both sides use to exchange the two session-key halves; it is never the password and the password cannot be
recovered from it.

The exchange (``Exchange``): phase one sends ``AES(V, A)`` unpadded (32 bytes: 12c, not 11g), the salts and
counts; phase two decrypts the client half B, derives the combo key ``K = PBKDF2(HEX(B ‖ A), csk_salt, sder, 32)``,
decrypts AUTH_PASSWORD (16 random bytes, then the password, PKCS#7-padded) and answers ``AUTH_SVR_RESPONSE``.
AES is CBC with an all-zero IV throughout.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

VERIFIER_TYPE_12C = 0x4815
VGEN_COUNT = 4096
SDER_COUNT = 3
SPEEDY_KEY_SALT = b"AUTH_PBKDF2_SPEEDY_KEY"
SERVER_PROOF = b"SERVER_TO_CLIENT"
ZERO_IV = bytes(16)


@dataclass(frozen=True, slots=True)
class Verifier:
    salt: bytes  # 16 bytes
    iterations: int
    key: bytes  # V, 32 bytes

    def to_text(self) -> str:
        return f"o5logon12c${self.iterations}${self.salt.hex()}${self.key.hex()}"

    @classmethod
    def from_text(cls, text: str) -> Verifier | None:
        parts = text.split("$")
        if len(parts) != 4 or parts[0] != "o5logon12c":
            return None
        try:
            return cls(bytes.fromhex(parts[2]), int(parts[1]), bytes.fromhex(parts[3]))
        except ValueError:
            return None


def password_key(password: str, salt: bytes, iterations: int) -> bytes:
    return hashlib.pbkdf2_hmac("sha512", password.encode(), salt + SPEEDY_KEY_SALT, iterations, 64)


def make_verifier(password: str, *, salt: bytes | None = None, iterations: int = VGEN_COUNT) -> Verifier:
    salt = os.urandom(16) if salt is None else salt
    key = hashlib.sha512(password_key(password, salt, iterations) + salt).digest()[:32]
    return Verifier(salt, iterations, key)


def aes_encrypt(key: bytes, data: bytes, *, pad: bool) -> bytes:
    if pad:
        fill = 16 - len(data) % 16
        data += bytes([fill]) * fill
    encryptor = Cipher(algorithms.AES(key), modes.CBC(ZERO_IV)).encryptor()
    return encryptor.update(data) + encryptor.finalize()


def aes_decrypt(key: bytes, data: bytes) -> bytes:
    """No unpadding (as the client's decrypt); ``data`` must be whole blocks."""
    if len(data) % 16:
        raise ValueError("ciphertext is not a whole number of AES blocks")
    decryptor = Cipher(algorithms.AES(key), modes.CBC(ZERO_IV)).decryptor()
    return decryptor.update(data) + decryptor.finalize()


def unpad(data: bytes) -> bytes | None:
    if not data:
        return None
    fill = data[-1]
    if not 1 <= fill <= 16 or data[-fill:] != bytes([fill]) * fill:
        return None
    return data[:-fill]


class Exchange:
    """One login's O5LOGON state on the server: phase one's parameters, then phase two's check."""

    def __init__(self, verifier: Verifier, *, server_half: bytes | None = None, csk_salt: bytes | None = None):
        self.verifier = verifier
        self.server_half = os.urandom(32) if server_half is None else server_half
        self.csk_salt = os.urandom(16) if csk_salt is None else csk_salt
        self.combo_key: bytes | None = None

    def phase_one_parameters(self) -> list[tuple[str, str, int]]:
        """(key, value, flags) for the PARAMETER reply to phase one."""
        session_key = aes_encrypt(self.verifier.key, self.server_half, pad=False)
        return [
            ("AUTH_SESSKEY", session_key.hex().upper(), 0),
            ("AUTH_VFR_DATA", self.verifier.salt.hex().upper(), VERIFIER_TYPE_12C),
            ("AUTH_PBKDF2_CSK_SALT", self.csk_salt.hex().upper(), 0),
            ("AUTH_PBKDF2_VGEN_COUNT", str(self.verifier.iterations), 0),
            ("AUTH_PBKDF2_SDER_COUNT", str(SDER_COUNT), 0),
        ]

    def password(self, client_session_key: str, encrypted_password: str) -> str | None:
        """The password the client sent (phase two), or None when the keys do not fit (a wrong password)."""
        try:
            client_half = aes_decrypt(self.verifier.key, bytes.fromhex(client_session_key))[:32]
            mixed = (client_half + self.server_half).hex().upper().encode()
            self.combo_key = hashlib.pbkdf2_hmac("sha512", mixed, self.csk_salt, SDER_COUNT, 32)
            plain = unpad(aes_decrypt(self.combo_key, bytes.fromhex(encrypted_password)))
        except ValueError:
            return None
        if plain is None or len(plain) < 16:
            return None
        try:
            return plain[16:].decode()
        except UnicodeDecodeError:
            return None

    def server_response(self) -> str:
        assert self.combo_key is not None, "phase two has not been checked"
        return aes_encrypt(self.combo_key, os.urandom(16) + SERVER_PROOF, pad=True).hex().upper()
