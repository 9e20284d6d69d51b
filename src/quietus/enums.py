"""An enumeration whose members hash as the singletons they are.

``enum.Enum`` hashes a member by hashing its name, in Python (~0.3 us a call).  A table keyed by members -- a
state machine's ``(state, trigger)`` transitions, a catalogue by dialect -- pays that on every lookup, on every
request.  Members are singletons compared by identity, so the identity hash is as correct and is C's own.
"""

from __future__ import annotations

import enum


class IdentityEnum(enum.Enum):
    """An ``Enum`` hashed by identity (``object.__hash__``, which CPython then calls without a Python frame)."""

    __hash__ = object.__hash__
