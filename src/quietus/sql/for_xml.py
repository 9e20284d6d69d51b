"""SELECT … FOR XML: the query's rows made into one value (see xml_values.for_xml for the shapes).

``FOR XML PATH[('row')] | RAW[('row')] [, TYPE] [, ROOT[('root')]] [, ELEMENTS]``.  The query is planned without
its FOR clause and wrapped in ``ForXml``, which yields one row with one column (no row when the query has none,
so a scalar subquery gives NULL): nvarchar(max) named ``XML_F52E2B61-18A1-11d1-B105-00805F49916B`` as SQL Server
names it, or xml with TYPE.  AUTO and EXPLICIT are not supported (40517); FOR JSON and FOR BROWSE neither.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from sqlglot import exp

from quietus.errors import sql_error
from quietus.sql import xml_values
from quietus.sql.context import ExecContext
from quietus.sql.operators import Plan, Row
from quietus.sql.scope import ScopeColumn
from quietus.sql.types_base import NVARCHAR, XML

XML_COLUMN = "XML_F52E2B61-18A1-11d1-B105-00805F49916B"


@dataclass(frozen=True)
class ForXmlOptions:
    mode: str  # PATH | RAW
    element: str | None
    typed: bool
    root: str | None
    elements: bool


def options(clause: exp.Expr) -> ForXmlOptions:
    """The FOR XML options of a SELECT's ``for_`` clause (40517 for FOR JSON / BROWSE and the FOR XML forms
    Quietus does not build)."""
    kind = str(clause.args.get("kind") or "").upper()
    if kind != "XML":
        raise sql_error(40517, f"FOR {kind}".strip())
    mode = None
    element: str | None = None
    typed = elements = False
    root: str | None = None
    for option in clause.expressions:
        item = option.this if isinstance(option, exp.QueryOption) else option
        if isinstance(item, exp.XMLKeyValueOption):
            word = item.this.name.upper()
            argument = item.expression
            text = None if argument is None else str(argument.this)
            if word in ("PATH", "RAW"):
                mode, element = word, text
            elif word == "ROOT":
                root = text or "root"
            else:
                raise sql_error(40517, f"FOR XML {word}")
        else:
            word = item.name.upper()
            if word in ("PATH", "RAW"):
                mode = word
            elif word == "TYPE":
                typed = True
            elif word == "ELEMENTS":
                elements = True
            elif word == "ROOT":
                root = "root"
            else:
                raise sql_error(40517, f"FOR XML {word}")
    if mode is None:
        raise sql_error(40517, "FOR XML AUTO / EXPLICIT")
    return ForXmlOptions(mode, element, typed, root, elements)


class ForXml(Plan):
    """One row holding the FOR XML text of the child's rows (none when it has none)."""

    def __init__(self, child: Plan, columns: list[ScopeColumn], chosen: ForXmlOptions) -> None:
        self.child = child
        self.child_columns = columns
        self.options = chosen
        self.columns = [ScopeColumn(XML_COLUMN, XML if chosen.typed else NVARCHAR(None))]

    def rows(self, ctx: ExecContext, outer: Row) -> Iterator[Row]:
        width = len(self.child_columns)
        produced = [row[len(row) - width :] for row in self.child.rows(ctx, outer)]
        if not produced:
            return
        chosen = self.options
        text = xml_values.for_xml(
            chosen.mode,
            chosen.element,
            [column.name for column in self.child_columns],
            produced,
            root=chosen.root,
            elements=chosen.elements,
            xml_columns=[column.type.name == "xml" for column in self.child_columns],
        )
        yield (text,)
