"""Every engine type round-trips through the log and through a checkpoint."""

from __future__ import annotations

from pathlib import Path

import pytest

import quietus

COLUMNS = (
    "i INT, bi BIGINT, si SMALLINT, ti TINYINT, b BIT, d DECIMAL(12,4), n NUMERIC(5,0), f FLOAT, r REAL, "
    "m MONEY, c CHAR(5), vc VARCHAR(20), nc NCHAR(3), nv NVARCHAR(MAX), dt DATE, dtm DATETIME, dt2 DATETIME2, "
    "tm TIME, g UNIQUEIDENTIFIER, vb VARBINARY(10)"
)
VALUES = (
    "2147483647, -9223372036854775808, -32768, 255, 1, 12345678.1234, 99999, 1.5e300, 2.5, 922337203685477.5807, "
    "'ab', 'Grüße', N'ÅÆ', N'long ' + REPLICATE(CAST(N'x' AS NVARCHAR(MAX)), 5000), '2026-11-20', "
    "'2026-11-20T12:34:56.997', "
    "'2026-11-20T12:34:56.1234567', '23:59:59.9999999', '6F9619FF-8B86-D011-B42D-00C04FC964FF', 0x00FF10"
)


@pytest.mark.parametrize("checkpoint", [False, True], ids=["log", "checkpoint"])
def test_every_type_survives_a_restart(tmp_path: Path, checkpoint: bool) -> None:
    data = tmp_path / "data"
    with quietus.connect(data, autocommit=True) as connection:
        connection.run(f"CREATE TABLE all_types (id INT PRIMARY KEY, {COLUMNS})")
        sink = connection.run(f"INSERT INTO all_types VALUES (1, {VALUES}); INSERT INTO all_types (id) VALUES (2)")
        assert not [m for m in sink.messages if m.is_error], sink.messages
        before = connection.run("SELECT * FROM all_types ORDER BY id").result_sets[0].rows
        if checkpoint:
            connection.run("CHECKPOINT")
    with quietus.connect(data, autocommit=True) as connection:
        after = connection.run("SELECT * FROM all_types ORDER BY id").result_sets[0].rows
    assert after == before
    assert all(value is None for value in after[1][1:])
    assert after[0][14].startswith("long xxx") and len(after[0][14]) == 5005
    assert (str(after[0][17]), str(after[0][18])) == ("2026-11-20 12:34:56.1234567", "23:59:59.9999999")
