"""Text as a terminal or an XML parser receives it: control characters written escaped, and a
caret that lines up under the escaped line.

The lowest layer of the package: the HTTP layer writes every text and XML body with
:func:`printable`, and the query worker's errors (:mod:`server.workers.errors`) put a caret
under a column of the query, which must count an escaped character as the characters written.
"""

from __future__ import annotations

import re

#: C0 controls, DEL and C1 controls, and the two non-characters XML 1.0 excludes from its
#: ``Char`` (§2.2, U+FFFE and U+FFFF): what a text or XML body never carries raw.
CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\ufffe\uffff]")

#: What XML 1.0 cannot carry at all, not even as a character reference (§2.2, ``Char``): the C0
#: controls but tab, line feed and carriage return, surrogates, U+FFFE and U+FFFF. A literal
#: holding one makes every RDF/XML document and SPARQL XML result that writes it ill-formed.
NOT_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
#: The same in UTF-8 bytes, as an XML body is written (surrogates have no UTF-8 form).
NOT_XML_UTF8 = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f]|\xef\xbf[\xbe\xbf]")

#: Characters a reader does not see, named for what they are: a carriage return or a tab where a
#: parser stops is not the space a reader would look for.
SPACES = {
    " ": "a space",
    "\t": "a tab",
    "\r": "a carriage return",
    "\n": "a line break",
    "\x0b": "a vertical tab",
    "\x0c": "a form feed",
}


def code_point(character: str) -> str:
    """``U+000B (a vertical tab)``: a character by its code point, and its name where it has one
    here."""
    named = SPACES.get(character) or ("a NUL" if character == "\x00" else None)
    return f"U+{ord(character):04X}" + (f" ({named})" if named else "")


def printable(text: str, keep: str = "") -> str:
    """``text`` with each control character but those in ``keep`` written as Python does
    (``\\x1b``, ``\\x00``, ``\\n``): a path like ``/id/state/%1b[31m`` would otherwise put a
    terminal escape (or a NUL, a line of its own) into what curl prints. Only text needs it (a
    browser shows the page's, JSON escapes them); ``keep`` spares an error's own layout (its
    lines, the tabs a caret lines up with)."""
    return CONTROL.sub(lambda m: m[0] if m[0] in keep else repr(m[0])[1:-1], text)


def caret(line: str, column: int, escaped: bool = False) -> str:
    """Spaces (tabs where ``line`` has tabs) up to ``column`` (1-based, in characters of
    ``line``), then ``^``. ``escaped``: under ``printable(line, keep="\\t")``, where a control
    character takes the width of its escape (``\\x1b``: four columns)."""
    pad = []
    for character in line[: column - 1]:
        if character == "\t":
            pad.append("\t")
        elif escaped and CONTROL.fullmatch(character):
            pad.append(" " * len(printable(character)))
        else:
            pad.append(" ")
    return "".join(pad) + " " * max(0, column - 1 - len(line)) + "^"
