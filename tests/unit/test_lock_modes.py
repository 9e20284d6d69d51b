"""Lock modes: the compatibility matrix in the vendor's layout, and the conversion table."""

from __future__ import annotations

import itertools

import pytest

from quietus.engine.locks import LockMode, compatible, convert, covers
from quietus.engine.locks.modes import mode_named

M = LockMode
VENDOR_ORDER = [M.SCH_S, M.SCH_M, M.S, M.U, M.X, M.IS, M.IU, M.IX, M.SIX]
LONG_NAMES = {
    M.SCH_S: "Schema stability (Sch-S)",
    M.SCH_M: "Schema modification (Sch-M)",
    M.S: "Shared (S)",
    M.U: "Update (U)",
    M.X: "Exclusive (X)",
    M.IS: "Intent shared (IS)",
    M.IU: "Intent update (IU)",
    M.IX: "Intent exclusive (IX)",
    M.SIX: "Shared with intent exclusive (SIX)",
}

# Transcribed from Microsoft's lock compatibility matrix (requested mode by existing granted mode).
EXPECTED_MATRIX = """
                                   Existing granted mode
Requested mode                     Sch-S Sch-M S     U     X     IS    IU    IX    SIX
Schema stability (Sch-S)           Yes   No    Yes   Yes   Yes   Yes   Yes   Yes   Yes
Schema modification (Sch-M)        No    No    No    No    No    No    No    No    No
Shared (S)                         Yes   No    Yes   Yes   No    Yes   Yes   No    No
Update (U)                         Yes   No    Yes   No    No    Yes   No    No    No
Exclusive (X)                      Yes   No    No    No    No    No    No    No    No
Intent shared (IS)                 Yes   No    Yes   Yes   No    Yes   Yes   Yes   Yes
Intent update (IU)                 Yes   No    Yes   No    No    Yes   Yes   Yes   No
Intent exclusive (IX)              Yes   No    No    No    No    Yes   Yes   Yes   No
Shared with intent exclusive (SIX) Yes   No    No    No    No    Yes   No    No    No
"""


def render_matrix() -> str:
    lines = [
        f"{'':35}Existing granted mode",
        f"{'Requested mode':35}" + "".join(f"{m.display:6}" for m in VENDOR_ORDER),
    ]
    for requested in VENDOR_ORDER:
        cells = "".join(f"{'Yes' if compatible(granted, requested) else 'No':6}" for granted in VENDOR_ORDER)
        lines.append(f"{LONG_NAMES[requested]:35}{cells}")
    return "\n".join(line.rstrip() for line in lines)


def test_compatibility_matrix_printed_in_vendor_layout_matches_microsofts() -> None:
    rendered = render_matrix()
    print(rendered)
    assert rendered == EXPECTED_MATRIX.strip("\n")


def test_compatibility_is_symmetric() -> None:
    for a, b in itertools.product(LockMode, repeat=2):
        assert compatible(a, b) == compatible(b, a), (a, b)


def test_schema_locks() -> None:
    assert all(compatible(m, M.SCH_S) for m in LockMode if m != M.SCH_M)
    assert not any(compatible(m, M.SCH_M) for m in LockMode)


def test_display_names_are_sys_dm_tran_locks_request_mode() -> None:
    assert [m.display for m in LockMode] == ["S", "U", "X", "IS", "IU", "IX", "SIX", "Sch-S", "Sch-M"]
    assert str(M.SCH_M) == "Sch-M"
    assert all(mode_named(m.display) is m for m in LockMode)


@pytest.mark.parametrize(
    ("held", "requested", "result"),
    [
        (M.S, M.IX, M.SIX),
        (M.IX, M.S, M.SIX),
        (M.S, M.U, M.U),
        (M.U, M.S, M.U),
        (M.U, M.X, M.X),
        (M.IS, M.S, M.S),
        (M.IS, M.IX, M.IX),
        (M.IU, M.IX, M.IX),
        (M.S, M.IU, M.U),
        (M.IX, M.U, M.SIX),
        (M.SIX, M.IX, M.SIX),
        (M.SCH_S, M.IS, M.IS),
        (M.X, M.S, M.X),
        (M.X, M.SCH_M, M.SCH_M),
        (M.IS, M.SCH_M, M.SCH_M),
    ],
)
def test_conversion_examples(held: LockMode, requested: LockMode, result: LockMode) -> None:
    assert convert(held, requested) == result


def conflicts(mode: LockMode) -> set[LockMode]:
    return {other for other in LockMode if not compatible(other, mode)}


def test_conversion_is_the_least_mode_covering_both() -> None:
    # The result conflicts with everything either mode conflicts with, and every other mode that does so
    # conflicts with at least as much: the conversion table agrees with the compatibility matrix.
    for held, requested in itertools.product(LockMode, repeat=2):
        result = convert(held, requested)
        needed = conflicts(held) | conflicts(requested)
        assert conflicts(result) >= needed, (held, requested)
        for other in LockMode:
            if conflicts(other) >= needed:
                assert conflicts(other) >= conflicts(result), (held, requested, other)


def test_conversion_is_commutative_idempotent_and_associative() -> None:
    for a, b in itertools.product(LockMode, repeat=2):
        assert convert(a, b) == convert(b, a)
        assert convert(a, a) == a
        assert covers(convert(a, b), a) and covers(convert(a, b), b)
    for a, b, c in itertools.product(LockMode, repeat=3):
        assert convert(convert(a, b), c) == convert(a, convert(b, c))


def test_covers() -> None:
    assert covers(M.X, M.S) and covers(M.SIX, M.IX) and covers(M.U, M.S)
    assert not covers(M.S, M.IX) and not covers(M.IX, M.S) and not covers(M.S, M.U)
