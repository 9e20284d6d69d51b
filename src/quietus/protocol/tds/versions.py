"""TDS protocol versions and the wire differences that follow from them, as a table.

The version a client asks for arrives little-endian in LOGIN7 and goes back big-endian in LOGINACK; as
an integer both read the same (7.4 = 0x74000004).  The server answers with the highest version it knows
that is not above the client's; 7.0 and older are refused.

| trait            | 7.1 | 7.2 | 7.3A | 7.3B | 7.4 | what changes                                      |
|------------------|-----|-----|------|------|-----|---------------------------------------------------|
| wide_fields      |  -  |  x  |  x   |  x   |  x  | UserType ULONG, DoneRowCount ULONGLONG, Line LONG |
| all_headers      |  -  |  x  |  x   |  x   |  x  | ALL_HEADERS before SQL_BATCH / RPC / TM payloads  |
| plp              |  -  |  x  |  x   |  x   |  x  | (N)VARCHAR(MAX)/VARBINARY(MAX) as PLP             |
| transaction_env  |  -  |  x  |  x   |  x   |  x  | ENVCHANGE 8..19 (transactions, reset ack)         |
| datetime_types   |  -  |  -  |  x   |  x   |  x  | DATE, TIME, DATETIME2, DATETIMEOFFSET             |
| nbcrow           |  -  |  -  |  -   |  x   |  x  | NBCROW token                                      |
"""

from __future__ import annotations

from dataclasses import dataclass

TDS70 = 0x70000000
TDS71 = 0x71000001
TDS72 = 0x72090002
TDS73A = 0x730A0003
TDS73B = 0x730B0003
TDS74 = 0x74000004


@dataclass(frozen=True, slots=True)
class Traits:
    version: int
    wide_fields: bool
    all_headers: bool
    plp: bool
    transaction_env: bool
    datetime_types: bool
    nbcrow: bool


# fmt: off
TRAITS: dict[int, Traits] = {
    #                   version wide   hdrs   plp    txenv  dates  nbcrow
    TDS71:  Traits(TDS71,  False, False, False, False, False, False),
    TDS72:  Traits(TDS72,  True,  True,  True,  True,  False, False),
    TDS73A: Traits(TDS73A, True,  True,  True,  True,  True,  False),
    TDS73B: Traits(TDS73B, True,  True,  True,  True,  True,  True),
    TDS74:  Traits(TDS74,  True,  True,  True,  True,  True,  True),
}
# fmt: on

NAMES = {TDS70: "7.0", TDS71: "7.1", TDS72: "7.2", TDS73A: "7.3A", TDS73B: "7.3B", TDS74: "7.4"}


def negotiate(client_version: int) -> int | None:
    """The version to answer with, or ``None`` when the client is older than 7.1.

    Decided on the major byte (0x71.. 0x74) so that variants such as 7.1 revision 0 (0x71000000) count.
    """
    major = client_version >> 24
    if major < 0x71:
        return None
    if major == 0x71:
        return TDS71
    if major == 0x72:
        return TDS72
    if major == 0x73:
        return TDS73B if (client_version >> 16) & 0xFF >= 0x0B else TDS73A
    return TDS74


def traits(version: int) -> Traits:
    return TRAITS[negotiate(version) or TDS71]
