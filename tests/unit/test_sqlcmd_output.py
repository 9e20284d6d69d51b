"""sqlcmd's output format: golden text for result shapes, values, NULL, long values, -W, -h, -s, -y, messages."""

from __future__ import annotations

import datetime as dt
import io
import uuid
from decimal import Decimal

from quietus.cli.output import Column, Format, Layout, Message, Printer, display_width, format_value
from quietus.cli.sqlcmd_embedded import print_events
from quietus.cli.sqlcmd_tds import column_of, print_reply
from quietus.protocol.tds.client import Reply
from quietus.protocol.tds.responses import ColumnDescription, ColumnMetadata, Done, Row, ServerMessage
from quietus.protocol.tds.tokens import DoneStatus, TokenType
from quietus.protocol.tds.types import PLP_MAX, TypeId, TypeInfo
from quietus.sql.results import MessageEvent, ResultColumn, ResultSet, StatementDone
from quietus.sql.types_base import SqlType
from quietus.ticks import with_fraction

ID = Column("id", "int", nullable=False)
NAME = Column("name", "nvarchar", 10)


def printed(columns: list[Column], rows: list[tuple[object, ...]], **options: object) -> str:
    out = io.StringIO()
    Printer(out, Format(**options)).result(columns, rows)  # type: ignore[arg-type]
    return out.getvalue()


def test_columns_take_their_declared_width_and_numbers_align_right() -> None:
    assert printed([ID, NAME], [(1, "ann"), (22, "bob")]) == (
        "id          name      \n----------- ----------\n          1 ann       \n         22 bob       \n\n"
    )


def test_an_empty_result_still_prints_its_headers() -> None:
    assert printed([ID], []) == "id         \n-----------\n\n"


def test_null_unnamed_columns_and_a_column_narrower_than_null() -> None:
    columns = [Column("", "int"), Column("b", "bit"), Column("c", "char", 2)]
    assert printed(columns, [(None, None, None), (7, True, "xy")]) == (
        "            b    c   \n----------- ---- ----\n       NULL NULL NULL\n          7    1 xy  \n\n"
    )


def test_values_are_formatted_as_sqlcmd_shows_them() -> None:
    cases = [
        (Column("d", "decimal", precision=10, scale=3), Decimal("-1.5"), "-1.500"),
        (Column("m", "money"), Decimal("12.5"), "12.5000"),
        (Column("f", "float"), 0.1, "0.10000000000000001"),
        (Column("f", "float"), 1.5e300, "1.5000000000000001E+300"),
        (Column("r", "real"), 0.10000000149011612, "0.1"),
        (Column("dt", "datetime"), dt.datetime(2023, 12, 31, 23, 59, 59, 996667), "2023-12-31 23:59:59.997"),
        (Column("sdt", "smalldatetime"), dt.datetime(2001, 2, 3, 4, 5), "2001-02-03 04:05:00"),
        (Column("dt2", "datetime2", scale=7), dt.datetime(1, 1, 1, 0, 0, 0, 1), "0001-01-01 00:00:00.0000010"),
        (Column("dt2", "datetime2", scale=0), dt.datetime(2020, 1, 2, 3, 4, 5), "2020-01-02 03:04:05"),
        (Column("dt2", "datetime2"), with_fraction(dt.datetime(2024, 1, 2), 1234567), "2024-01-02 00:00:00.1234567"),
        (Column("t", "time", scale=7), with_fraction(dt.time(13, 14, 15), 9), "13:14:15.0000009"),
        (Column("t", "time", scale=3), dt.time(13, 14, 15, 123456), "13:14:15.123"),
        (Column("d", "date"), dt.date(2024, 2, 29), "2024-02-29"),
        (
            Column("o", "datetimeoffset", scale=0),
            dt.datetime(2020, 1, 2, 3, 4, 5, tzinfo=dt.timezone(dt.timedelta(hours=-5, minutes=-30))),
            "2020-01-02 03:04:05 -05:30",
        ),
        (Column("u", "uniqueidentifier"), uuid.UUID("6f9619ff-8b86-d011-b42d-00c04fc964ff"),
         "6F9619FF-8B86-D011-B42D-00C04FC964FF"),
        (Column("v", "varbinary", 4), b"\x00\xab", "0x00AB"),
        (Column("b", "bit"), False, "0"),
        (Column("n", "nvarchar", 5), None, "NULL"),
    ]  # fmt: skip
    assert [format_value(value, column) for column, value, _ in cases] == [text for _, _, text in cases]


def test_display_widths_follow_the_declared_types() -> None:
    widths = {
        "tinyint": display_width(Column("x", "tinyint", nullable=False), Format()),
        "bigint": display_width(Column("x", "bigint"), Format()),
        "decimal(10,2)": display_width(Column("x", "decimal", precision=10, scale=2), Format()),
        "datetime2(7)": display_width(Column("x", "datetime2", scale=7), Format()),
        "time(0)": display_width(Column("x", "time", scale=0), Format()),
        "datetimeoffset(7)": display_width(Column("x", "datetimeoffset", scale=7), Format()),
        "varbinary(3)": display_width(Column("x", "varbinary", 3), Format()),
        "nvarchar(max)": display_width(Column("x", "nvarchar", None), Format()),
        "nvarchar(max) -y 0": display_width(Column("x", "nvarchar", None), Format(var_width=0)),
        "nchar(300) -Y 20": display_width(Column("x", "nchar", 300), Format(fixed_width=20)),
        "long name": display_width(Column("a_long_column_name", "bit"), Format()),
    }
    assert widths == {
        "tinyint": 3,
        "bigint": 20,
        "decimal(10,2)": 12,
        "datetime2(7)": 27,
        "time(0)": 8,
        "datetimeoffset(7)": 34,
        "varbinary(3)": 8,
        "nvarchar(max)": 256,
        "nvarchar(max) -y 0": None,
        "nchar(300) -Y 20": 20,
        "long name": 18,
    }


def test_long_values_are_cut_at_the_display_width() -> None:
    long_text = "abcdefghij" * 30
    column = Column("t", "nvarchar", None)
    default = printed([column], [(long_text,)]).splitlines()
    assert default[2] == long_text[:256]
    assert printed([column], [(long_text,)], var_width=5) == "t    \n-----\nabcde\n\n"
    assert printed([column], [(long_text,)], var_width=0).splitlines()[2] == long_text


def test_w_removes_trailing_spaces_and_s_sets_the_separator() -> None:
    columns = [ID, NAME, Column("", "int"), Column("c", "char", 5)]
    assert printed(columns, [(1, "ann", None, "ab   ")], trim=True, separator=",") == (
        "id,name,,c\n--,----,-,-\n1,ann,NULL,ab\n\n"
    )


def test_h_minus_one_prints_no_headers_and_h_n_repeats_them() -> None:
    rows: list[tuple[object, ...]] = [(1,), (2,), (3,)]
    assert printed([Column("x", "tinyint", nullable=False)], rows, headers=-1) == "  1\n  2\n  3\n\n"
    assert printed([Column("x", "tinyint", nullable=False)], rows, headers=2) == (
        "x  \n---\n  1\n  2\n\nx  \n---\n  3\n\n"
    )


def test_messages_rows_affected_and_client_errors() -> None:
    out, err = io.StringIO(), io.StringIO()
    printer = Printer(out, errors=err)
    printer.message(Message(6104, 16, 1, "Cannot use KILL to kill your own process.", 1, "", True))
    printer.message(Message(50000, 16, 2, "from a procedure", 7, "p_audit", True))
    printer.message(Message(0, 10, 1, "hello from print"))
    printer.rows_affected(1)
    printer.rows_affected(0)
    printer.client_error("Query timeout expired.", "Quietus TDS client")
    assert out.getvalue() == (
        "Msg 6104, Level 16, State 1, Line 1\n"
        "Cannot use KILL to kill your own process.\n"
        "Msg 50000, Level 16, State 2, Procedure p_audit, Line 7\n"
        "from a procedure\n"
        "hello from print\n"
        "(1 row affected)\n"
        "(0 rows affected)\n"
    )
    assert err.getvalue() == "Sqlcmd: Error: Quietus TDS client : Query timeout expired.\n"
    log = printer.take_log()
    assert [m.number for m in log.errors] == [6104, 50000, 0]
    assert printer.take_log().errors == []


def test_the_fit_layout_of_the_embedded_shell() -> None:
    out = io.StringIO()
    events = [
        ResultSet(
            [ResultColumn("id", SqlType("int")), ResultColumn("name", SqlType("nvarchar", 10))],
            [(1, "ann"), (2, None)],
        ),
        StatementDone(2),
        MessageEvent(208, 16, 1, "Invalid object name 'nowhere'.", 2),
        StatementDone(None, error=True),
    ]
    print_events(events, Printer(out, Format(layout=Layout.FIT)))
    assert out.getvalue() == (
        "id name\n"
        "-- ----\n"
        "1  ann\n"
        "2  NULL\n"
        "\n"
        "(2 rows affected)\n"
        "Msg 208, Level 16, State 1, Line 2\n"
        "Invalid object name 'nowhere'.\n"
    )


def test_tds_column_metadata_maps_back_to_sql_server_types() -> None:
    def col(info: TypeInfo, flags: int = 1) -> Column:
        return column_of(ColumnDescription("c", info, flags))

    assert col(TypeInfo(TypeId.INTN, 8)) == Column("c", "bigint")
    assert col(TypeInfo(TypeId.FLTN, 4), flags=0) == Column("c", "real", nullable=False)
    assert col(TypeInfo(TypeId.NVARCHAR, 20)) == Column("c", "nvarchar", 10)
    assert col(TypeInfo(TypeId.NVARCHAR, PLP_MAX)) == Column("c", "nvarchar", None)
    assert col(TypeInfo(TypeId.BIGBINARY, 4)) == Column("c", "binary", 4)
    assert col(TypeInfo(TypeId.DECIMALN, 9, 10, 2)) == Column("c", "decimal", None, 10, 2)
    assert col(TypeInfo(TypeId.DATETIME2N, scale=3)) == Column("c", "datetime2", None, None, 3)


def test_a_tds_response_prints_result_sets_messages_and_counts_in_order() -> None:
    metadata = ColumnMetadata((ColumnDescription("n", TypeInfo(TypeId.INTN, 4), 0),))
    done_count = Done(TokenType.DONE, DoneStatus.MORE | DoneStatus.COUNT, 0xC1, 2)
    error = ServerMessage(TokenType.ERROR, 8134, 1, 16, "Divide by zero error encountered.", "QUIETUS", "", 3)
    info = ServerMessage(TokenType.INFO, 0, 1, 0, "after", "QUIETUS", "", 4)
    reply = Reply(
        (metadata, Row((1,)), Row((2,)), done_count, metadata, error,
         Done(TokenType.DONE, DoneStatus.MORE | DoneStatus.ERROR | DoneStatus.COUNT, 0xC1, 0), info,
         Done(TokenType.DONE, 0, 0, 0))
    )  # fmt: skip
    out = io.StringIO()
    print_reply(reply, Printer(out))
    assert out.getvalue() == (
        "n          \n-----------\n          1\n          2\n\n(2 rows affected)\n"
        "n          \n-----------\n\n"
        "Msg 8134, Level 16, State 1, Line 3\nDivide by zero error encountered.\n"
        "after\n"
    )
