"""TLS for the TDS listener: the server's certificate, its two TLS contexts, and one connection's TLS object.

The TDS codec never touches TLS (docs/design/tls.md).  This module owns it: ``ServerTls`` is built once at start
(certificate and key loaded, contexts made); each connection that negotiates encryption gets a ``TlsChannel`` —
an ``ssl.SSLObject`` over two ``ssl.MemoryBIO``s, so the bytes go wherever the connection says: inside PRELOGIN
packets during a TDS 7.x handshake, straight on the socket in TDS 8.0 strict mode and after a 7.x handshake.

Contexts:
* ``prelogin``: TLS 1.2 only.  The 7.x handshake rides in PRELOGIN packets, in which each side waits for the
  other's flight; TLS 1.3's server-side post-handshake messages (session tickets after the client's Finished)
  would arrive where the client expects TDS, and SQL Server itself offers TLS 1.3 only with TDS 8.0.
* ``strict``: TLS 1.2 or 1.3, ALPN ``tds/8.0``.

The certificate: ``tls_certificate`` + ``tls_key`` when configured; otherwise a self-signed one made on the first
start in ``<data dir>/tls/`` (RSA 2048, SHA-256, CN = the host name, SANs localhost / host name / 127.0.0.1 / ::1,
ten years) and reused on later starts, as SQL Server makes one when none is configured.
"""

from __future__ import annotations

import datetime
import ipaddress
import os
import socket
import ssl
import tempfile
from dataclasses import dataclass
from pathlib import Path

from quietus.protocol.tds import EncryptionSetting

ALPN_TDS8 = "tds/8.0"
TLS_DIRECTORY = "tls"  # in the data directory: the self-signed certificate made on the first start
CERTIFICATE_FILE = "quietus-tls.crt"
KEY_FILE = "quietus-tls.key"
VALIDITY = datetime.timedelta(days=3650)


class TlsError(Exception):
    """The certificate or key cannot be used (the message says which file and why)."""


class TlsChannelError(Exception):
    """The peer's TLS failed (bad record, handshake failure); the connection ends."""


@dataclass(frozen=True)
class Certificate:
    certificate: Path
    key: Path
    self_signed: bool


def self_signed_certificate(directory: Path) -> Certificate:
    """The data directory's self-signed certificate: made on first use, reused afterwards."""
    certificate, key = directory / CERTIFICATE_FILE, directory / KEY_FILE
    if certificate.exists() and key.exists():
        return Certificate(certificate, key, self_signed=True)
    cert_pem, key_pem = make_self_signed(socket.gethostname())
    directory.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(key, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "wb") as out:
        out.write(key_pem)
    certificate.write_bytes(cert_pem)
    return Certificate(certificate, key, self_signed=True)


def make_self_signed(host: str) -> tuple[bytes, bytes]:
    """(certificate PEM, private key PEM) of a new self-signed server certificate."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name(
        [x509.NameAttribute(NameOID.COMMON_NAME, host), x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Quietus")]
    )
    now = datetime.datetime.now(datetime.UTC)
    names: list[x509.GeneralName] = [x509.DNSName("localhost")]
    if host and host != "localhost":
        names.append(x509.DNSName(host))
    names += [x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.IPAddress(ipaddress.ip_address("::1"))]
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + VALIDITY)
        .add_extension(x509.SubjectAlternativeName(names), critical=False)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return cert.public_bytes(serialization.Encoding.PEM), key_pem


class ServerTls:
    """What the listener knows about TLS: the setting it negotiates with, and the contexts."""

    def __init__(self, setting: EncryptionSetting, certificate: Certificate | None) -> None:
        self.setting = setting
        self.certificate = certificate
        self.prelogin: ssl.SSLContext | None = None
        self.strict: ssl.SSLContext | None = None
        if setting is not EncryptionSetting.DISABLED:
            if certificate is None:
                raise TlsError("TLS is on but no certificate was given")
            self.prelogin = _context(certificate, ssl.TLSVersion.TLSv1_2, alpn=None)
            self.strict = _context(certificate, ssl.TLSVersion.MAXIMUM_SUPPORTED, alpn=ALPN_TDS8)

    @property
    def enabled(self) -> bool:
        return self.setting is not EncryptionSetting.DISABLED

    @classmethod
    def configure(
        cls,
        *,
        enabled: bool,
        force: bool,
        data_dir: Path | None,
        certificate: Path | None,
        key: Path | None,
    ) -> ServerTls:
        """From the server's settings: a configured certificate, or the data directory's self-signed one."""
        if not enabled:
            return cls(EncryptionSetting.DISABLED, None)
        setting = EncryptionSetting.FORCED if force else EncryptionSetting.AVAILABLE
        if certificate is not None or key is not None:
            if certificate is None or key is None:
                raise TlsError("tls_certificate and tls_key must be given together")
            return cls(setting, Certificate(certificate, key, self_signed=False))
        if data_dir is not None:
            return cls(setting, self_signed_certificate(data_dir / TLS_DIRECTORY))
        with tempfile.TemporaryDirectory() as scratch:  # an in-memory instance: a certificate for this run only
            return cls(setting, self_signed_certificate(Path(scratch)))

    def channel(self, *, strict: bool) -> TlsChannel:
        context = self.strict if strict else self.prelogin
        assert context is not None, "TLS is disabled"
        return TlsChannel(context)


def _context(certificate: Certificate, maximum: ssl.TLSVersion, alpn: str | None) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.maximum_version = maximum
    context.options |= ssl.OP_NO_TICKET
    context.num_tickets = 0  # no TLS 1.3 session tickets: no resumption, nothing sent after the handshake
    if alpn is not None:
        context.set_alpn_protocols([alpn])
    for path in (certificate.certificate, certificate.key):
        if not path.is_file():
            raise TlsError(f"cannot read {path}: no such file")
    try:
        context.load_cert_chain(certificate.certificate, certificate.key)
    except (ssl.SSLError, OSError) as exc:
        raise TlsError(
            f"the certificate {certificate.certificate} or key {certificate.key} cannot be used: {exc}"
        ) from None
    return context


class TlsChannel:
    """One connection's TLS, server side, sans socket: bytes from the peer in, bytes for the peer out."""

    def __init__(self, context: ssl.SSLContext) -> None:
        self._incoming = ssl.MemoryBIO()
        self._outgoing = ssl.MemoryBIO()
        self._tls = context.wrap_bio(self._incoming, self._outgoing, server_side=True)
        self.established = False
        self.closed_by_peer = False

    def handshake(self, data: bytes) -> bytes:
        """Feed handshake records; the records to send back (``established`` turns True when it is complete)."""
        self._incoming.write(data)
        try:
            self._tls.do_handshake()
        except ssl.SSLWantReadError:
            pass
        except ssl.SSLError as exc:
            raise TlsChannelError(f"TLS handshake failed: {exc.reason or exc}") from None
        else:
            self.established = True
        return self._outgoing.read()

    def decrypt(self, data: bytes) -> bytes:
        """Records from the peer → the plaintext they carry (b"" until a whole record is in)."""
        if data:
            self._incoming.write(data)
        chunks = []
        while True:
            try:
                chunk = self._tls.read(65536)
            except ssl.SSLWantReadError:
                break
            except ssl.SSLZeroReturnError:
                self.closed_by_peer = True
                break
            except ssl.SSLError as exc:
                raise TlsChannelError(f"TLS error: {exc.reason or exc}") from None
            if not chunk:
                break
            chunks.append(chunk)
        return b"".join(chunks)

    def encrypt(self, data: bytes) -> bytes:
        self._tls.write(data)
        return self._outgoing.read()

    @property
    def version(self) -> str | None:
        return self._tls.version()

    @property
    def alpn(self) -> str | None:
        return self._tls.selected_alpn_protocol()
