"""The xml type's values: parsing, FOR XML, and the methods value(), query(), exist() and nodes().

An xml value is its text (a Python str) holding well-formed XML *content*: as in SQL Server, a fragment of several
top-level elements and text is allowed.  Parsing wraps the content in a synthetic root element, so XPath's ``/``
(the document) is that root: ``(/a/@b)[1]`` is evaluated as ``(/q:fragment/a/@b)[1]``.  XPath is lxml's (XPath
1.0), which covers the XQuery subset the DBA tools use (paths, predicates, ``[1]``, ``@attr``, ``text()``, ``.``).

FOR XML (SELECT ... FOR XML PATH | RAW [, TYPE] [, ROOT] [, ELEMENTS]) turns the rows of a query into one value:

- PATH('row'): an element ``<row>`` per row (none for ``PATH('')``); each column an element named by the column; a
  column without a name (or named ``text()``) is text, ``@x`` an attribute, ``processing-instruction(x)`` a
  processing instruction.
- RAW('row'): an element ``<row>`` per row; each column an attribute (with ELEMENTS, a child element).

NULLs are left out, as SQL Server leaves them out.  Without TYPE the result is nvarchar(max); with TYPE, xml.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Iterable, Sequence
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from lxml import etree

from quietus.errors import sql_error

FRAGMENT = "quietus-fragment"


class XmlNode:
    """A node that ``x.nodes(path)`` selected: the context item of the methods called on it (relative paths start
    at the node itself).  SQL Server lets such a column be used only by the xml methods (and IS NULL)."""

    __slots__ = ("element",)

    def __init__(self, element: etree._Element) -> None:
        self.element = element

    def __str__(self) -> str:
        return etree.tostring(self.element, encoding="unicode", with_tail=False)


_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, remove_blank_text=False)


def parse(text: str) -> etree._Element:
    """The content as children of a synthetic root; 9400 (XML parsing …) when it is not well-formed."""
    stripped = text
    if stripped.lstrip().startswith("<?xml"):
        end = stripped.find("?>")
        stripped = stripped[end + 2 :] if end >= 0 else stripped
    try:
        return etree.fromstring(f"<{FRAGMENT}>{stripped}</{FRAGMENT}>", _PARSER)
    except etree.XMLSyntaxError as error:
        line, column = error.position
        # the synthetic root is ours: an error that names it means the content ended too early
        if FRAGMENT in error.msg:
            lines = stripped.splitlines() or [""]
            raise sql_error(9400, len(lines), len(lines[-1]), "unexpected end of input") from None
        offset = len(FRAGMENT) + 2 if line == 1 else 0
        raise sql_error(9400, line, max(column - offset, 1), error.msg.split(", line ")[0]) from None


def check(text: str) -> str:
    """A string made xml: it must parse; the value keeps its text (without an XML declaration)."""
    root = parse(text)
    return serialize_children(root)


def serialize_children(root: etree._Element) -> str:
    parts = [(root.text and escape(root.text)) or ""]
    for child in root:
        parts.append(etree.tostring(child, encoding="unicode", with_tail=True))
    return "".join(parts)


# -- XPath -------------------------------------------------------------------------------------------------------


def rooted(path: str) -> str:
    """Absolute location paths start at the synthetic root: ``/a`` → ``/quietus-fragment/a``, ``//a`` →
    ``/quietus-fragment//a`` (a ``/`` that opens a path: at the start, or after ``(``, ``[``, ``|``, ``,``, ``=``
    or a space; XPath divides with ``div``, never ``/``)."""
    if path.strip() == "/":
        return "/" + FRAGMENT
    return _ABSOLUTE.sub(lambda match: f"{match.group(1)}/{FRAGMENT}/", path)


_ABSOLUTE = re.compile(r"(^|[(\[|,=\s])/")


Namespaces = dict[str, str] | None  # prefix -> URI, from the statement's WITH XMLNAMESPACES


def evaluate(text: str | XmlNode, path: str, namespaces: Namespaces = None) -> list[Any]:
    context = text.element if isinstance(text, XmlNode) else parse(text)
    try:
        found = context.xpath(rooted(path), namespaces=namespaces) if namespaces else context.xpath(rooted(path))
    except etree.XPathError as error:
        raise sql_error(2389, "value()", str(error)) from None
    return found if isinstance(found, list) else [found]


def string_value(item: Any) -> str:
    if isinstance(item, etree._Element):
        return "".join(str(text) for text in item.itertext())
    return str(item)


def value(text: str | XmlNode, path: str, namespaces: Namespaces = None) -> str | None:
    """x.value(path, type): the string value of the single node or atom the path selects (NULL for none); more
    than one is SQL Server's 2389 (value() requires a singleton)."""
    found = evaluate(text, path, namespaces)
    if isinstance(found, list) and len(found) > 1:
        raise sql_error(2389, "value()", "requires a singleton (or empty sequence)")
    if not found:
        return None
    return atom_text(found[0])


def atom_text(item: Any) -> str:
    """A node's string value, or an atom as XQuery writes it (true/false, 2 rather than XPath's 2.0)."""
    if isinstance(item, bool):
        return "true" if item else "false"
    if isinstance(item, float) and item.is_integer():
        return str(int(item))
    return string_value(item)


def query(text: str | XmlNode, path: str, namespaces: Namespaces = None) -> str:
    """x.query(path): the selected nodes as xml (atoms as their text)."""
    parts = []
    for item in evaluate(text, path, namespaces):
        if isinstance(item, etree._Element):
            parts.append(etree.tostring(item, encoding="unicode", with_tail=False))
        else:
            parts.append(escape(atom_text(item)))
    return "".join(parts)


def exist(text: str | XmlNode, path: str, namespaces: Namespaces = None) -> int:
    found = evaluate(text, path, namespaces)
    return int(bool(found) and found != [False])


def nodes(text: str | XmlNode, path: str, namespaces: Namespaces = None) -> list[XmlNode]:
    """x.nodes(path): each selected element, as the context of the methods called on it (``c.value('.', …)``)."""
    return [XmlNode(item) for item in evaluate(text, path, namespaces) if isinstance(item, etree._Element)]


# -- FOR XML -----------------------------------------------------------------------------------------------------


def _text(value: Any) -> str:
    if isinstance(value, bytes):
        return base64.b64encode(value).decode()
    if isinstance(value, bool):
        return "1" if value else "0"
    return escape(value if isinstance(value, str) else _scalar_text(value))


def _scalar_text(value: Any) -> str:
    if hasattr(value, "isoformat"):
        return str(value.isoformat())
    return str(value)


def for_xml(
    mode: str,
    element: str | None,
    names: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    root: str | None = None,
    elements: bool = False,
    xml_columns: Sequence[bool] = (),
) -> str:
    """Build the FOR XML text of ``rows`` (see the module's table)."""
    out: list[str] = []
    row_name = element if element is not None else "row"
    for row in rows:
        if mode == "PATH":
            out.append(_path_row(row_name, names, row, xml_columns))
            continue
        attributes: list[str] = []
        children: list[str] = []
        for position, (name, item) in enumerate(zip(names, row, strict=True)):
            if item is None:
                continue
            if not elements:
                attributes.append(f" {name}={quoteattr(item if isinstance(item, str) else _scalar_text(item))}")
            else:
                is_xml = position < len(xml_columns) and xml_columns[position]
                children.append(f"<{name}>{item if is_xml else _text(item)}</{name}>")
        body = "".join(children)
        head = f"<{row_name}{''.join(attributes)}"
        out.append(f"{head}>{body}</{row_name}>" if body else f"{head} />")
    return _under_root("".join(out), root)


def _under_root(result: str, root: str | None) -> str:
    """FOR XML's ROOT('r'): the result inside one element (``root`` when unnamed)."""
    return result if root is None else f"<{root or 'root'}>{result}</{root or 'root'}>"


def for_xml_auto(
    sources: Sequence[str],
    names: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    root: str | None = None,
    elements: bool = False,
    xml_columns: Sequence[bool] = (),
) -> str:
    """FOR XML AUTO: an element per table, named by its alias, nested in the order the tables' columns first
    appear; an outer table's element is shared by consecutive rows with the same values of its columns."""
    tables: list[str] = []
    level_of: list[int] = []
    for source in sources:
        if source and source.casefold() not in [t.casefold() for t in tables]:
            tables.append(source)
        level_of.append(next((i for i, t in enumerate(tables) if t.casefold() == source.casefold()), -1))
    last = 0
    for position, level in enumerate(level_of):  # an expression goes with the column before it (or the first table)
        level_of[position] = last = level if level >= 0 else last
    top: list[_Element] = []
    open_levels: list[tuple[tuple[Any, ...], _Element]] = []
    for row in rows:
        keys = [tuple(row[p] for p, level in enumerate(level_of) if level == i) for i in range(len(tables))]
        shared = 0
        while shared < min(len(open_levels), len(tables) - 1) and open_levels[shared][0] == keys[shared]:
            shared += 1
        del open_levels[shared:]
        for level in range(shared, len(tables)):
            element = _Element(tables[level])
            for position, (name, item) in enumerate(zip(names, row, strict=True)):
                if level_of[position] != level or item is None:
                    continue
                is_xml = position < len(xml_columns) and xml_columns[position]
                if is_xml:
                    element.content.append(item)
                elif elements:
                    element.content.append(f"<{name}>{_text(item)}</{name}>")
                else:
                    text = item if isinstance(item, str) else _scalar_text(item)
                    element.attributes.append(f" {name}={quoteattr(text)}")
            (open_levels[-1][1].content if open_levels else top).append(element)
            open_levels.append((keys[level], element))
    return _under_root("".join(element.render() for element in top), root)


class _Element:
    """An element being built by FOR XML PATH or AUTO: its attributes, then its content (text, XML, elements)."""

    __slots__ = ("attributes", "content", "name")

    def __init__(self, name: str) -> None:
        self.name = name
        self.attributes: list[str] = []
        self.content: list[str | _Element] = []

    def render(self) -> str:
        head = f"<{self.name}{''.join(self.attributes)}"
        if not self.content:
            return f"{head} />" if self.name else ""
        body = "".join(part if isinstance(part, str) else part.render() for part in self.content)
        return f"{head}>{body}</{self.name}>" if self.name else body


_CONTENT_STEPS = ("", "text()", "*", "data()", "node()")


def _path_row(row_name: str, names: Sequence[str], row: Sequence[Any], xml_columns: Sequence[bool]) -> str:
    """One row of FOR XML PATH.  A column name is an XPath-like path: ``a/b`` nests elements, ``a/@x`` is an
    attribute of ``a``, a last step ``text()`` / ``*`` / ``data()`` / ``node()`` (or no name) is content, and
    ``processing-instruction(x)`` a processing instruction.  Consecutive columns whose paths share a prefix share
    those elements, as SQL Server's do; a NULL column is left out and leaves the open elements open."""
    top = _Element(row_name)
    open_path: list[_Element] = []
    for position, (name, item) in enumerate(zip(names, row, strict=True)):
        if item is None:
            continue
        steps = name.split("/") if name else [""]
        parents, last = steps[:-1], steps[-1]
        shared = 0
        while shared < min(len(open_path), len(parents)) and open_path[shared].name == parents[shared]:
            shared += 1
        del open_path[shared:]
        for step in parents[shared:]:
            _check_name(step)
            child = _Element(step)
            (open_path[-1] if open_path else top).content.append(child)
            open_path.append(child)
        holder = open_path[-1] if open_path else top
        is_xml = position < len(xml_columns) and xml_columns[position]
        if last.startswith("@"):
            if not holder.name:
                raise sql_error(6864)
            if holder.content:
                raise sql_error(6852, name)
            text = item if isinstance(item, str) else _scalar_text(item)
            holder.attributes.append(f" {last[1:]}={quoteattr(text)}")
        elif last in _CONTENT_STEPS:
            holder.content.append(item if is_xml else _text(item))
        elif (target := processing_instruction(last)) is not None:
            holder.content.append(f"<?{target} {str(item).replace('?>', '? >')}?>")
        else:
            _check_name(last)
            holder.content.append(f"<{last}>{item if is_xml else _text(item)}</{last}>")
    return top.render()


_XML_NAME = re.compile(r"[A-Za-z_\u00C0-\uFFFF][\w.\-\u00B7-\uFFFF]*(:[A-Za-z_\u00C0-\uFFFF][\w.\-\u00B7-\uFFFF]*)?")


def _check_name(step: str) -> None:
    """6850 for a path step that is not an XML name."""
    if not _XML_NAME.fullmatch(step):
        bad = next((c for i, c in enumerate(step) if not _XML_NAME.fullmatch(step[: i + 1] or "x")), step[:1] or " ")
        raise sql_error(6850, "Column", step, bad, f"{ord(bad):04X}")


def processing_instruction(name: str) -> str | None:
    """The target of a ``[processing-instruction(x)]`` column name, else None."""
    folded = name.strip()
    if folded.lower().startswith("processing-instruction(") and folded.endswith(")"):
        return folded[len("processing-instruction(") : -1].strip()
    return None
