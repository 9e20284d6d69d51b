"""Quietus: a SQL database server that is best at seeing sessions and ending them."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

# First, before any TDS codec module is imported: the compiled build or the Python source (quietus.compiled).
import quietus.compiled  # noqa: F401

if TYPE_CHECKING:
    from quietus.dbapi import Connection

__version__ = "0.1.0"


def connect(*args: Any, **kwargs: Any) -> Connection:
    """Open an embedded session: see ``quietus.dbapi.connect``.  Imported lazily so that importing a lower layer
    (``quietus.engine`` ...) does not load the whole server."""
    from quietus.dbapi import connect as _connect

    return _connect(*args, **kwargs)


__all__ = ["connect"]
