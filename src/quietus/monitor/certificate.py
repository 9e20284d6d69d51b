"""The monitor's TLS certificate and key: the server's own (the TDS listener's).

``server_certificate(config)`` is the one place the monitor asks for them: the configured ``tls_certificate`` /
``tls_key`` when set, else the data directory's self-signed certificate that quietus.server.tls makes on the first
start and reuses afterwards (so a browser asked to trust it once keeps trusting it, and it is the one a TDS client
trusts too).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from quietus.server.tls import TLS_DIRECTORY, self_signed_certificate


def server_certificate(config: Any) -> tuple[Path, Path]:
    """(certificate file, key file) in PEM: the server's own when configured, else the data directory's."""
    configured = getattr(config, "tls_certificate", None), getattr(config, "tls_key", None)
    if configured[0] and configured[1]:
        return Path(configured[0]), Path(configured[1])
    made = self_signed_certificate(Path(config.data_dir) / TLS_DIRECTORY)
    return made.certificate, made.key
