"""XML DML: the xml type's ``modify()`` method.

``modify()`` is a mutator: it is legal only as ``SET @x.modify('…')`` and ``UPDATE t SET col.modify('…')`` (the
second is read as ``col = <col modified>``, so OUTPUT, constraints, the undo log and @@ROWCOUNT see an ordinary new
value).  Anywhere else it is 8137; a non-mutator (``value``, ``query``…) in a mutator position is 8113.  The argument
is a string literal parsed once, when the statement is compiled; only the ``sql:column`` / ``sql:variable`` values
are read per row.

| statement                                                   | effect                                              |
|-------------------------------------------------------------|-----------------------------------------------------|
| ``insert C [as first | as last] into T``                    | C's nodes become T's first / last children          |
| ``insert C before T`` / ``insert C after T``                 | C's nodes become T's preceding / following siblings |
| ``delete T``                                                | every node T selects goes (elements, attributes, text) |
| ``replace value of T with V``                               | the attribute or text node T takes V's string value |

C is an element constructor (``<a x="{sql:column("t.c")}">{sql:variable("@v")}</a>``, several in parentheses
separated by commas), a bare ``sql:variable`` / ``sql:column`` carrying xml, or a path copying nodes out of the
instance.  V is a string or number literal, ``sql:column`` / ``sql:variable``, or a path (its string value).  T is an
XPath over the instance as the read methods take it (xml_values).  Enclosed ``{…}`` in a constructor hold an accessor
or a path.

SQL Server types the target off its *shape*: ``insert`` and ``replace value of`` need a target written
``(path)[n]`` (a positional predicate over the whole path), else 2226 / 2337, even when the instance holds one match.
A target that matches nothing is a no-op.  The errors, SQL Server's: 6306 empty argument, 6305 not an XML DML
statement, 2209 syntax, 2205 ``with`` missing, 2207 atomic content, 2240 / 2249 the wrong node kind for into /
before-after, 2356 replacing an (untyped) element's value, 9310 constructed XML after ``with``, 2264 deleting the
document, 5302 on a NULL instance.  Not built: the prolog (``declare namespace``), attribute and computed
constructors, FLWOR and conditional content; each is 2209, never skipped.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from xml.sax.saxutils import escape

from lxml import etree

from quietus.errors import sql_error
from quietus.sql import xml_values

_ACCESSOR = re.compile(r"""sql:(column|variable)\(\s*(["'])(.*?)\2\s*\)""")
_SINGLE = re.compile(r"\(.*\)\s*\[\s*\d+\s*\]", re.S)


@dataclass(frozen=True, slots=True)
class Accessor:
    """``sql:column("t.c")`` or ``sql:variable("@v")``: a SQL value the statement supplies."""

    kind: str  # "column" | "variable"
    name: str


@dataclass(frozen=True, slots=True)
class Modification:
    """One parsed XML DML statement.  ``content`` is the constructor text with ``{n}`` slots, ``path`` a path
    whose nodes are copied, or ``accessor`` an xml-carrying accessor (insert); ``value`` the replacement (a
    literal string, an accessor, or a path)."""

    kind: str  # "insert" | "delete" | "replace"
    target: str
    position: str = ""
    content: str = ""
    path: str = ""
    value: str | Accessor | None = None
    value_is_path: bool = False
    slots: tuple[Accessor | str, ...] = ()  # constructor slots: an accessor or a path

    @property
    def accessors(self) -> list[Accessor]:
        """The SQL values this statement reads, in slot order (the value last)."""
        found = [slot for slot in self.slots if isinstance(slot, Accessor)]
        if isinstance(self.value, Accessor):
            found.append(self.value)
        return found


def parse(text: str) -> Modification:
    stripped = text.strip()
    if not stripped:
        raise sql_error(6306)
    word = stripped.split(None, 1)[0].lower()
    if word == "insert":
        return _parse_insert(stripped[len(word) :].strip())
    if word == "delete":
        target = stripped[len(word) :].strip()
        if not target:
            raise sql_error(2209, "<eof>")
        return Modification("delete", target)
    if word == "replace":
        return _parse_replace(stripped)
    if word == "declare":  # a prolog (declare namespace ...): not built
        raise sql_error(2209, word)
    raise sql_error(6305)


def _top_level_words(text: str) -> list[tuple[int, str]]:
    """(offset, lower-cased word) of each word outside quotes, brackets, braces and element constructors."""
    words: list[tuple[int, str]] = []
    depth = elements = 0
    quote = ""
    i = 0
    while i < len(text):
        ch = text[i]
        if quote:
            quote = "" if ch == quote else quote
        elif ch in "\"'" and not elements:
            quote = ch
        elif ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        elif ch == "<" and text[i + 1 : i + 2] == "/":
            elements -= 1
        elif ch == "<" and (text[i + 1 : i + 2].isalpha() or text[i + 1 : i + 2] == "_"):
            end = text.find(">", i)
            if end < 0:
                raise sql_error(2209, "<eof>")
            if text[end - 1] != "/":
                elements += 1
            i = end
        elif not depth and not elements and ch.isalpha() and (i == 0 or not _in_name(text[i - 1])):
            end = i
            while end < len(text) and (text[end].isalnum() or text[end] in "_-"):
                end += 1
            words.append((i, text[i:end].lower()))
            i = end
            continue
        i += 1
    return words


def _in_name(ch: str) -> bool:
    """Whether ``ch`` continues a name or a path (so a keyword cannot start after it)."""
    return ch.isalnum() or ch in "_:-/@."


def _parse_insert(rest: str) -> Modification:
    words = _top_level_words(rest)
    for index, (offset, word) in enumerate(words):
        if word in ("into", "before", "after"):
            position = word
            content_end = offset
            before = [w for _, w in words[max(index - 2, 0) : index]]
            if word == "into" and len(before) == 2 and before[0] == "as" and before[1] in ("first", "last"):
                position = f"as {words[index - 1][1]} into"
                content_end = words[index - 2][0]
            content = rest[:content_end].strip()
            target = rest[offset + len(word) :].strip()
            if not content or not target:
                raise sql_error(2209, "<eof>")
            return _insert(content, position, target)
    raise sql_error(2209, "<eof>")


def _insert(content: str, position: str, target: str) -> Modification:
    accessor = _ACCESSOR.fullmatch(content)
    if accessor:
        return Modification("insert", target, position, value=Accessor(accessor.group(1), accessor.group(3)))
    if content[:1] in "\"'" or re.fullmatch(r"[-+]?\d+(\.\d+)?", content):
        raise sql_error(2207, "xs:string" if content[:1] in "\"'" else "xs:integer")
    if content.startswith("<") or (content.startswith("(") and content[1:].lstrip().startswith("<")):
        body = content[1:-1] if content.startswith("(") and content.endswith(")") else content
        slots: list[Accessor | str] = []

        def slot(match: re.Match[str]) -> str:
            inner = match.group(1).strip()
            found = _ACCESSOR.fullmatch(inner)
            slots.append(Accessor(found.group(1), found.group(3)) if found else inner)
            return f"\x00{len(slots) - 1}\x00"

        template = re.sub(r"\{([^{}]*)\}", slot, body)
        template = re.sub(r">\s*,\s*<", "><", template)  # (<a/>, <b/>) is a sequence
        return Modification("insert", target, position, content=template, slots=tuple(slots))
    return Modification("insert", target, position, path=content)


def _parse_replace(text: str) -> Modification:
    match = re.match(r"replace\s+value\s+of\s+", text, re.I)
    if not match:
        raise sql_error(2209, text.split(None, 2)[1] if len(text.split()) > 1 else "<eof>")
    rest = text[match.end() :]
    withs = [offset for offset, word in _top_level_words(rest) if word == "with"]
    if not withs:
        raise sql_error(2205)
    target, value = rest[: withs[0]].strip(), rest[withs[0] + 4 :].strip()
    if not target or not value:
        raise sql_error(2209, "<eof>")
    if value.startswith("<"):
        raise sql_error(9310)
    accessor = _ACCESSOR.fullmatch(value)
    if accessor:
        return Modification("replace", target, value=Accessor(accessor.group(1), accessor.group(3)))
    if len(value) >= 2 and value[0] in "\"'" and value[-1] == value[0]:
        return Modification("replace", target, value=value[1:-1].replace(value[0] * 2, value[0]))
    return Modification("replace", target, value=value, value_is_path=True)


# -- applying ----------------------------------------------------------------------------------------------------


def _static_type(target: str) -> str:
    """The static type SQL Server quotes for a target: ``element(a,xdt:untyped) *`` and the like (``?`` when the
    shape makes it single)."""
    single = bool(_SINGLE.fullmatch(target.strip()))
    inner = target.strip()
    if single:
        inner = inner[1 : inner.rindex(")")]
    last = re.split(r"/", inner.strip())[-1]
    last = re.sub(r"\[.*\]$", "", last)
    mark = "?" if single else "*"
    if last == "text()":
        return f"text {mark}"
    if last.startswith("@"):
        return f"attribute({last[1:]},xdt:untypedAtomic) {mark}"
    return f"element({last or '*'},xdt:untyped) {mark}"


def apply(instance: str, modification: Modification, values: Sequence[str | None]) -> str:
    """The instance after ``modification``, the accessors' values (as text, NULL as None) given in ``accessors``
    order."""
    root = xml_values.parse(instance)
    accessor_values = dict(zip(modification.accessors, values, strict=True))
    if modification.kind == "delete":
        _delete(root, modification.target)
    elif modification.kind == "insert":
        _insert_nodes(root, modification, accessor_values)
    else:
        _replace(root, modification, accessor_values)
    return xml_values.serialize_children(root)


def _select(root: etree._Element, path: str) -> list[Any]:
    try:
        found = root.xpath(xml_values.rooted(path))
    except etree.XPathError:
        raise sql_error(2209, path) from None
    return found if isinstance(found, list) else [found]


def _delete(root: etree._Element, target: str) -> None:
    for node in _select(root, target):
        if isinstance(node, etree._Element):
            if node is root:
                raise sql_error(2264, "document-node()")
            _remove(node)
        elif getattr(node, "is_attribute", False):
            del node.getparent().attrib[node.attrname]
        elif getattr(node, "is_text", False):
            node.getparent().text = None
        elif getattr(node, "is_tail", False):
            node.getparent().tail = None
        else:
            raise sql_error(2264, "xs:anyAtomicType")


def _remove(node: etree._Element) -> None:
    """Remove an element, keeping the text that followed it."""
    parent = node.getparent()
    assert parent is not None  # the synthetic root is never removed
    tail = node.tail or ""
    previous = node.getprevious()
    if previous is not None:
        previous.tail = ((previous.tail or "") + tail) or None
    else:
        parent.text = ((parent.text or "") + tail) or None
    parent.remove(node)


def _content_nodes(
    root: etree._Element, modification: Modification, values: dict[Accessor, str | None]
) -> list[etree._Element]:
    if isinstance(modification.value, Accessor):  # a bare accessor carrying xml
        value = values[modification.value]
        return [] if value is None else list(xml_values.parse(str(value)))
    if modification.path:
        found = _select(root, modification.path)
        if any(not isinstance(node, etree._Element) for node in found):
            raise sql_error(2207, "xs:string")
        return [etree.fromstring(etree.tostring(node, with_tail=False)) for node in found]

    def fill(match: re.Match[str]) -> str:
        slot = modification.slots[int(match.group(1))]
        if isinstance(slot, Accessor):
            value = values[slot]
            text = value or ""
        else:
            text = " ".join(xml_values.string_value(item) for item in _select(root, slot))
        return escape(text, {'"': "&quot;", "'": "&apos;"})

    return list(xml_values.parse(re.sub("\x00(\\d+)\x00", fill, modification.content)))


def _insert_nodes(
    root: etree._Element, modification: Modification, values: dict[Accessor, str | None]
) -> None:
    target = modification.target.strip()
    if not (_SINGLE.fullmatch(target) or target == "/"):
        raise sql_error(2226, _static_type(target))
    found = _select(root, target)
    nodes = _content_nodes(root, modification, values)
    if not found:
        return
    where = found[0]
    position = modification.position
    if not isinstance(where, etree._Element):
        kind = _static_type(target)
        raise sql_error(2240 if position.endswith("into") else 2249, kind)
    if position.endswith("into"):
        if position == "as first into":
            text, where.text = where.text, None
            for index, node in enumerate(nodes):
                where.insert(index, node)
            if nodes:
                nodes[-1].tail = (nodes[-1].tail or "") + (text or "")
        else:
            for node in nodes:
                where.append(node)
        return
    if where is root:
        raise sql_error(2249, "document-node()")
    if position == "before":
        for node in nodes:
            where.addprevious(node)
        return
    tail, where.tail = where.tail, None  # after: right behind the element, before the text that followed it
    for node in reversed(nodes):
        where.addnext(node)
    if nodes:
        nodes[-1].tail = tail


def _replace(
    root: etree._Element, modification: Modification, values: dict[Accessor, str | None]
) -> None:
    target = modification.target.strip()
    if not _SINGLE.fullmatch(target):
        raise sql_error(2337, _static_type(target))
    found = _select(root, target)
    if not found:
        return
    node = found[0]
    if isinstance(node, etree._Element):
        raise sql_error(2356, _static_type(target))
    value = modification.value
    if isinstance(value, Accessor):
        supplied = values[value]
        if supplied is None:
            raise sql_error(6320 if node.is_attribute else 6325)
        text = supplied
    elif modification.value_is_path:
        assert isinstance(value, str)
        text = " ".join(xml_values.string_value(item) for item in _select(root, value))
    else:
        assert isinstance(value, str)
        text = value
    owner = node.getparent()
    if node.is_attribute:
        owner.attrib[node.attrname] = text
    elif node.is_text:
        owner.text = text or None
    else:
        owner.tail = text or None
