"""Where things are in the Turtle sources: the line a subject is defined on, every IRI's lines.

A validation report is only useful to a data maintainer if it says *where* to look. RDF parsers
throw positions away once triples are built, so this module re-reads each source with a light
Turtle tokenizer (RDF 1.1 Turtle, W3C Recommendation 2014, section 6.5 "Grammar" and section
6.4 "Escape Sequences") that knows just enough of the grammar to be exact about what matters
here: comments, all four string forms (a ``.`` or ``ex:x`` inside a string is not a token), IRI
references, prefixed names (with the file's own ``@prefix``/``PREFIX`` declarations, redefinitions
included, and local-name escapes), ``@base``/``BASE``, and nesting of ``[ ]`` and ``( )``, so that
the *subject* of a statement (section 2.1 "Simple Triples", section 6.5 rule [6] ``triples``) is
told apart from the same IRI in object position.

It also records where each ``@prefix`` is declared, every typed literal (lexical form, datatype
IRI, position) and every string holding a character XML 1.0 cannot carry, so that a misspelt
namespace is reported on its declaration, and an ill-typed literal or such a string on the line
that holds it.

N-Triples files go through the same scanner: their syntax is a subset of Turtle's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urljoin

from server.text import NOT_XML

# Section 6.5 productions, written out once. Unicode letters stand in for PN_CHARS_BASE.
_PN_CHARS_U = r"[^\W\d]"  # letters and "_"
_PN_CHARS = r"[\w\-\u00B7\u0300-\u036F\u203F-\u2040]"
_PLX = r"(?:%[0-9A-Fa-f]{2}|\\[_~.\-!$&'()*+,;=/?#@%])"
_PN_PREFIX = rf"[^\W\d_](?:(?:{_PN_CHARS}|\.)*{_PN_CHARS})?"
_PN_LOCAL = (
    rf"(?:{_PN_CHARS_U}|[:0-9]|{_PLX})"
    rf"(?:(?:{_PN_CHARS}|[.:]|{_PLX})*(?:{_PN_CHARS}|:|{_PLX}))?"
)

_TOKEN = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<comment>\#[^\r\n]*)
  | (?P<long_string>\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"|'''(?:[^'\\]|\\.|'(?!''))*''')
  | (?P<string>"(?:[^"\\\r\n]|\\.)*"|'(?:[^'\\\r\n]|\\.)*')
  | (?P<iri><[^<>"{}|^`\\\x00-\x20]*(?:\\[uU][0-9A-Fa-f]{4,8}[^<>"{}|^`\\\x00-\x20]*)*>)
  | (?P<directive>@prefix\b|@base\b|(?i:prefix|base)(?=\s))
  | (?P<langtag>@[A-Za-z]+(?:-[A-Za-z0-9]+)*)
  | (?P<bnode>_:[\w.\-]*[\w\-]|_:\w)
  | (?P<pname>(?:"""
    + _PN_PREFIX
    + r""")?:(?:"""
    + _PN_LOCAL
    + r""")?)
  | (?P<number>[+-]?(?:\d+\.\d*[eE][+-]?\d+|\d*\.\d+(?:[eE][+-]?\d+)?|\d+(?:[eE][+-]?\d+)?))
  | (?P<punct>\^\^|[.;,\[\]()])
  | (?P<word>[A-Za-z]+)
  | (?P<other>.)
    """,
    re.VERBOSE | re.DOTALL,
)

_UCHAR = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")
#: String escapes (section 6.4): ECHAR and UCHAR, in one pass so ``\\u`` stays literal.
_STRING_ESCAPE = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})|\\(.)", re.DOTALL)
_ECHAR = {"t": "\t", "b": "\b", "n": "\n", "r": "\r", "f": "\f", '"': '"', "'": "'", "\\": "\\"}
_LOCAL_ESCAPE = re.compile(r"\\(.)")
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:")


@dataclass(frozen=True)
class Occurrence:
    """One IRI as written in a source: where, and whether it begins a statement (a subject)."""

    iri: str
    line: int
    column: int
    subject: bool


@dataclass(frozen=True)
class TypedLiteral:
    """A literal written with ``^^datatype``: its lexical form (escapes resolved) and position."""

    lexical: str
    datatype: str
    line: int
    column: int


@dataclass(frozen=True)
class Text:
    """A string (escapes resolved) and where it begins."""

    lexical: str
    line: int
    column: int


@dataclass(frozen=True)
class PrefixDeclaration:
    """One ``@prefix``/``PREFIX`` directive: the prefix, its namespace IRI and where it is."""

    prefix: str
    namespace: str
    line: int
    column: int


@dataclass
class SourceMap:
    """What a scan of one file found: every IRI occurrence, in order, and the prefixes declared."""

    file: Path
    occurrences: list[Occurrence] = field(default_factory=list)
    prefixes: dict[str, str] = field(default_factory=dict)
    declarations: list[PrefixDeclaration] = field(default_factory=list)
    literals: list[TypedLiteral] = field(default_factory=list)
    #: Strings holding a character XML 1.0 cannot carry (:data:`server.text.NOT_XML`).
    not_xml: list[Text] = field(default_factory=list)

    def subject_line(self, iri: str) -> int | None:
        """The line of the first statement whose subject is ``iri``, if any."""
        return next((o.line for o in self.occurrences if o.subject and o.iri == iri), None)

    def first_line(self, iri: str) -> int | None:
        """The first line ``iri`` appears on in any position, if it appears at all."""
        return next((o.line for o in self.occurrences if o.iri == iri), None)


def _chr(code: str) -> str:
    """A code point from hex digits; one that is not a character (past U+10FFFF) stays escaped."""
    number = int(code, 16)
    return chr(number) if number <= 0x10FFFF else "\\U" + code


def _unescape_iri(text: str) -> str:
    return _UCHAR.sub(lambda m: _chr(m.group(1) or m.group(2)), text)


def _unescape_string(token: str) -> str:
    """The lexical form of a string token: quotes removed, ECHAR and UCHAR resolved."""
    quote = 3 if token[:3] in ('"""', "'''") and len(token) >= 6 else 1
    body = token[quote:-quote]

    def replace(match: re.Match[str]) -> str:
        if match.group(3) is not None:
            return _ECHAR.get(match.group(3), match.group())
        return _chr(match.group(1) or match.group(2))

    return _STRING_ESCAPE.sub(replace, body)


def scan(text: str, file: Path, base: str | None = None) -> SourceMap:
    """Tokenize Turtle ``text`` and record every IRI with its line, marking statement subjects.

    ``base`` is the IRI relative references resolve against until an ``@base`` says otherwise
    (RDF 1.1 Turtle, section 6.3 "IRI References").
    """
    source = SourceMap(file=file)
    line, line_start = 1, 0
    depth = 0  # nesting of [ ] and ( )
    expect_subject = True  # at depth 0, the next term begins a statement
    directive: str | None = None  # "prefix" or "base" while reading a directive
    pending_prefix: str | None = None
    directive_at = (0, 0)
    # A string just read (lexical form, line, column), and whether "^^" followed it.
    literal: tuple[str, int, int] | None = None
    typed = False

    for match in _TOKEN.finditer(text):
        kind, value = match.lastgroup, match.group()
        column = match.start() - line_start + 1
        if kind in ("long_string", "string"):
            literal, typed = (_unescape_string(value), line, column), False
            if NOT_XML.search(literal[0]):
                source.not_xml.append(Text(*literal))
        elif kind in ("ws", "comment"):
            pass
        elif directive is not None:
            if kind == "pname" and directive == "prefix" and pending_prefix is None:
                pending_prefix = value[:-1]
            elif kind == "iri":
                iri = _absolute(_unescape_iri(value[1:-1]), base)
                if directive == "prefix" and pending_prefix is not None:
                    source.prefixes[pending_prefix] = iri
                    source.declarations.append(
                        PrefixDeclaration(pending_prefix, iri, *directive_at)
                    )
                else:
                    base = iri
                directive, pending_prefix = None, None
                # "@prefix ... ." ends with a dot; SPARQL-style "PREFIX" does not.
                expect_subject = True
        elif kind == "directive" and depth == 0 and expect_subject:
            directive = value.lstrip("@").lower()
            directive_at = (line, column)
        elif kind in ("iri", "pname"):
            iri = _resolve(value, kind, source.prefixes, base)
            if iri is not None and typed and literal is not None:
                source.literals.append(TypedLiteral(literal[0], iri, literal[1], literal[2]))
            if iri is not None:
                subject = expect_subject and depth == 0
                source.occurrences.append(Occurrence(iri, line, column, subject))
            if depth == 0:
                expect_subject = False
        elif kind == "punct":
            if value in "[(":
                if depth == 0:
                    expect_subject = False
                depth += 1
            elif value in "])":
                depth = max(depth - 1, 0)
            elif value == "." and depth == 0:
                expect_subject = True
        elif depth == 0 and kind in ("bnode", "number", "word"):
            expect_subject = False

        if kind == "punct" and value == "^^":
            typed = literal is not None
        elif kind not in ("ws", "comment", "long_string", "string"):
            literal, typed = None, False  # the datatype was read, or the string had none

        newlines = value.count("\n")
        if newlines:
            line += newlines
            line_start = match.start() + value.rindex("\n") + 1
    return source


def _absolute(reference: str, base: str | None) -> str:
    """Resolve a relative IRI reference (RFC 3986 section 5.2); absolute IRIs stay as written."""
    if _SCHEME.match(reference) or not base:
        return reference
    return urljoin(base, reference)


def _resolve(
    token: str, kind: str | None, prefixes: dict[str, str], base: str | None
) -> str | None:
    if kind == "iri":
        return _absolute(_unescape_iri(token[1:-1]), base)
    prefix, _, local = token.partition(":")
    namespace = prefixes.get(prefix)
    if namespace is None:
        return None
    return namespace + _LOCAL_ESCAPE.sub(r"\1", local)


def scan_file(file: Path) -> SourceMap:
    """Scan a file on disk (UTF-8, as Turtle requires: section 6 "Turtle Grammar")."""
    return scan(file.read_text(encoding="utf-8"), file)
