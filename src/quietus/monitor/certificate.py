"""The monitor's TLS certificate and key.

``server_certificate(config)`` is the one place the monitor asks for them: until the server has a certificate of its
own for TDS (settings ``tls_certificate`` / ``tls_key``), it makes a self-signed one for the data directory on the
first start and reuses it afterwards, so a browser asked to trust it once keeps trusting it.
"""

from __future__ import annotations

import datetime
import ipaddress
import os
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

CERTIFICATE_FILE = "monitor.crt"
KEY_FILE = "monitor.key"
VALID_DAYS = 3650


def server_certificate(config: Any) -> tuple[Path, Path]:
    """(certificate file, key file) in PEM: the server's own when configured, else the data directory's."""
    configured = getattr(config, "tls_certificate", None), getattr(config, "tls_key", None)
    if configured[0] and configured[1]:
        return Path(configured[0]), Path(configured[1])
    return self_signed(Path(config.data_dir))


def self_signed(directory: Path) -> tuple[Path, Path]:
    """The directory's self-signed certificate for localhost and 127.0.0.1, made on first use (key mode 0600)."""
    certificate, key_file = directory / CERTIFICATE_FILE, directory / KEY_FILE
    if certificate.exists() and key_file.exists():
        return certificate, key_file
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Quietus monitor (self-signed)")])
    now = datetime.datetime.now(datetime.UTC)
    names = [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=VALID_DAYS))
        .add_extension(x509.SubjectAlternativeName(names), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    directory.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "wb") as out:
        out.write(
            key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
        )
    certificate.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return certificate, key_file
