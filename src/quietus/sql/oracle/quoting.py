"""Oracle's alternative quoting, ``q'[it's]'`` (and ``nq'...'``), rewritten as ordinary literals before tokenizing.

After ``q'`` comes a delimiter; the literal ends at its closing partner (``]`` for ``[``, ``}`` for ``{``, ``)``
for ``(``, ``>`` for ``<``, the same character otherwise) followed by ``'``.  The rest of the text — ordinary
strings, quoted identifiers, comments — is copied as it is.  An unclosed q-literal is ORA-01756.
"""

from __future__ import annotations

from quietus.sql.oracle.errors import ora

_CLOSING = {"[": "]", "{": "}", "(": ")", "<": ">"}


def _skip_quoted(text: str, start: int, quote: str) -> int:
    """The index after the ordinary quoted run starting at ``start`` (a doubled quote stays inside)."""
    position = start + 1
    while position < len(text):
        if text[position] == quote:
            if text[position + 1 : position + 2] == quote:
                position += 2
                continue
            return position + 1
        position += 1
    return len(text)  # unclosed: the tokenizer reports it


def _comment_end(text: str, start: int) -> int | None:
    if text.startswith("--", start):
        end = text.find("\n", start)
        return len(text) if end < 0 else end
    if text.startswith("/*", start):
        end = text.find("*/", start + 2)
        return len(text) if end < 0 else end + 2
    return None


def expand_q_quotes(text: str) -> str:
    if "'" not in text or ("q'" not in text.lower()):
        return text
    out: list[str] = []
    position = 0
    while position < len(text):
        character = text[position]
        comment = _comment_end(text, position)
        if comment is not None:
            out.append(text[position:comment])
            position = comment
        elif character in "'\"":
            end = _skip_quoted(text, position, character)
            out.append(text[position:end])
            position = end
        elif character in "qQ" and text[position + 1 : position + 2] == "'" and not _in_word(text, position):
            delimiter = text[position + 2 : position + 3]
            if not delimiter:
                raise ora("ORA-01756")
            closing = _CLOSING.get(delimiter, delimiter) + "'"
            end = text.find(closing, position + 3)
            if end < 0:
                raise ora("ORA-01756")
            out.append("'" + text[position + 3 : end].replace("'", "''") + "'")
            position = end + 2
        else:
            out.append(character)
            position += 1
    return "".join(out)


def _in_word(text: str, position: int) -> bool:
    """Whether the q at ``position`` continues a name (``abq'x'`` is no q-literal); ``nq'...'`` is one."""
    if position == 0:
        return False
    before = text[position - 1]
    if before in "nN":
        return position >= 2 and (text[position - 2].isalnum() or text[position - 2] in "_$#")
    return before.isalnum() or before in "_$#"
