"""SELECT … FOR XML: the query's rows made into one value (see xml_values.for_xml for the shapes).

``FOR XML PATH[('row')] | RAW[('row')] | AUTO [, TYPE] [, ROOT[('root')]] [, ELEMENTS]``.  The query is planned without
its FOR clause and wrapped in ``ForXml``, which yields one row with one column (no row when the query has none,
so a scalar subquery gives NULL): nvarchar(max) named ``XML_F52E2B61-18A1-11d1-B105-00805F49916B`` as SQL Server
names it, or xml with TYPE.  EXPLICIT is not supported (40517); FOR JSON and FOR BROWSE neither.

AUTO names each row's element after the table (alias) its columns come from, and nests the tables in the order
their columns first appear in the select list: consecutive rows with the same values of an outer table's columns
share that table's element (so ORDER BY decides the nesting, as in SQL Server).  An expression column belongs to
the table of the column before it (the first table when it comes first); no table column at all is 6800.
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
    mode: str  # PATH | RAW | AUTO
    element: str | None
    typed: bool
    root: str | None
    elements: bool


def _option(node: exp.Expr) -> tuple[str, str | None]:
    """(upper-case words, argument text or None) of one FOR XML option, however sqlglot shaped it."""
    item = node.this if isinstance(node, exp.QueryOption) else node
    if isinstance(item, exp.XMLKeyValueOption):
        argument = item.expression
        return item.this.name.upper(), None if argument is None else str(argument.this)
    return " ".join(item.name.upper().split()), None


# Any other word (EXPLICIT, ELEMENTS XSINIL, BINARY BASE64, XMLDATA, XMLSCHEMA) answers 40517.
_MODES = ("PATH", "RAW", "AUTO")


def options(clause: exp.Expr) -> ForXmlOptions:
    """The FOR XML options of a SELECT's ``for_`` clause (40517 for FOR JSON / BROWSE and the FOR XML forms
    Quietus does not build; AUTO takes no element name: 102)."""
    kind = str(clause.args.get("kind") or "").upper()
    if kind != "XML":
        raise sql_error(40517, f"FOR {kind}".strip())
    mode = None
    element: str | None = None
    typed = elements = False
    root: str | None = None
    for option in clause.expressions:
        word, argument = _option(option)
        if word in _MODES:
            if word == "AUTO" and argument is not None:
                raise sql_error(102, "(")
            mode, element = word, argument
        elif word == "TYPE":
            typed = True
        elif word in ("ELEMENTS", "ELEMENTS ABSENT"):
            elements = True
        elif word == "ROOT":
            root = argument or "root"
        else:
            raise sql_error(40517, f"FOR XML {word}")
    if mode is None:
        raise sql_error(40517, "FOR XML EXPLICIT")
    return ForXmlOptions(mode, element, typed, root, elements)


class ForXml(Plan):
    """One row holding the FOR XML text of the child's rows (none when it has none)."""

    def __init__(
        self, child: Plan, columns: list[ScopeColumn], chosen: ForXmlOptions, sources: list[str] | None = None
    ) -> None:
        self.child = child
        self.child_columns = columns
        self.options = chosen
        self.sources = sources or [""] * len(columns)
        self.columns = [ScopeColumn(XML_COLUMN, XML if chosen.typed else NVARCHAR(None))]

    def rows(self, ctx: ExecContext, outer: Row) -> Iterator[Row]:
        width = len(self.child_columns)
        produced = [row[len(row) - width :] for row in self.child.rows(ctx, outer)]
        if not produced:
            return
        chosen = self.options
        xml_columns = [column.type.name == "xml" for column in self.child_columns]
        names = [column.name for column in self.child_columns]
        if chosen.mode == "AUTO":
            text = xml_values.for_xml_auto(
                self.sources, names, produced, root=chosen.root, elements=chosen.elements, xml_columns=xml_columns
            )
            yield (text,)
            return
        text = xml_values.for_xml(
            chosen.mode,
            chosen.element,
            names,
            produced,
            root=chosen.root,
            elements=chosen.elements,
            xml_columns=xml_columns,
        )
        yield (text,)
