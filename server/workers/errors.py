"""Errors of the SPARQL endpoint as people and programs read them: one module writes them all.

A query the parser refuses is answered with 400 and :class:`QueryError`: the line and column
(1-based, in characters of the query as the client sent it: the predefined prefixes are not
text in front of it, see :mod:`server.store.prefixes`), the offending line with a caret under
the column, what was found there, and what the parser expected, in words. pyoxigraph's message
(``error at 3:13: expected one of "$", "(", ['A' ..= 'Z' | …], …``) lists the grammar's
alternatives, character ranges included; :func:`expected_words` sums them up ("a variable, an
IRI or '}'"), and a few messages get a sentence of their own (an undeclared prefix, an update
sent as a query).

Every other failure of a query (refused, timed out, busy, store down, a request the protocol
does not allow) is a :class:`QueryError` too, without a position. This module says what went
wrong, in words; :mod:`server.http.errors` writes the body, as for every error of the app, in
the form the client asked for: the text (:meth:`QueryError.plain`: the message, then the line
and the caret; pyoxigraph puts the column of an undeclared prefix just after the prefixed
name)::

      Malformed query: syntax error at line 3, column 13: the prefix 'foo:' is not declared. …
        ?s foo:bar ?x }
                  ^

or RFC 9457 problem details in JSON or XML (:meth:`QueryError.problem`: ``type``, ``title``,
``status``, ``detail`` — the message — and the members ``line``, ``column``, ``text`` (the
offending line), ``found``, ``expected`` (in words) and ``caret``, each only when known), or a
page for a browser. The query page shows :meth:`QueryError.plain` as preformatted text.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from http import HTTPStatus

from server.store.base import StoreUnavailable
from server.store.safety import QueryRefused, keywords_text
from server.text import SPACES, caret, printable
from server.workers.query import PoolBusy, QueryFailed, QueryTimeout

#: ``type`` of a syntax error: the grammar the query broke. Other errors: ``about:blank``
#: (RFC 9457 §4.2.1: the status code says it all).
GRAMMAR = "https://www.w3.org/TR/sparql11-query/#grammar"
_POSITION = re.compile(r"^error at (\d+):(\d+): expected (.*)$", re.DOTALL)
_ITEM = re.compile(
    r"""\s*(?:
        (?P<quoted>"(?:[^"\\]|\\.)*")
      | (?P<cls>\[(?:'(?:[^'\\]|\\.)*'|[^\]'])*\])
      | (?P<word>[^,]+)
    )\s*(?:,|$)""",
    re.VERBOSE | re.DOTALL,
)
#: Keywords SPARQL 1.1 §17.4 calls functions (and their RDF 1.2 kin): one "an expression".
FUNCTIONS = frozenset(
    """STR LANG LANGMATCHES DATATYPE BOUND IRI URI BNODE RAND ABS CEIL FLOOR ROUND CONCAT STRLEN
    UCASE LCASE ENCODE_FOR_URI CONTAINS STRSTARTS STRENDS STRBEFORE STRAFTER YEAR MONTH DAY HOURS
    MINUTES SECONDS TIMEZONE TZ NOW UUID STRUUID MD5 SHA1 SHA256 SHA384 SHA512 COALESCE IF STRLANG
    STRDT SAMETERM ISIRI ISURI ISBLANK ISLITERAL ISNUMERIC REGEX SUBSTR REPLACE EXISTS NOT COUNT
    SUM MIN MAX AVG SAMPLE GROUP_CONCAT TRIPLE SUBJECT PREDICATE OBJECT ISTRIPLE LANGDIR
    HASLANG HASLANGDIR ISTRIPLE STRLANGDIR ADJUST""".split()  # noqa: SIM905 (a word list)
)
FORMS = ("SELECT", "CONSTRUCT", "ASK", "DESCRIBE")
UPDATES = ("INSERT", "DELETE", "LOAD", "CLEAR", "CREATE", "DROP", "COPY", "MOVE", "ADD", "WITH")
#: Single tokens and what they are, in words (quotes: see :func:`expected_words`).
TOKENS = {
    "?": "a variable",
    "$": "a variable",
    "<": "an IRI",
    ":": "a prefixed name",
    '"': "a literal",
    "'": "a literal",
    '"""': "a literal",
    "'''": "a literal",
    "true": "a literal",
    "false": "a literal",
    "+": "a literal",
    "-": "a literal",
    "_:": "a blank node",
    "[": "a blank node",
    "!": "a property path",
    "^": "a property path",
    "a": "a property path",
}
#: The order words are listed in: terms first, then the rest, then punctuation and keywords.
ORDER = (
    "a variable",
    "an IRI",
    "a prefixed name",
    "a name",
    "a literal",
    "a blank node",
    "a property path",
    "an expression",
    "a number",
    "an escape sequence",
    "another character",
)
#: Alternatives of SPARQL 1.2 / RDF-star syntax, "any character", and keywords no reader
#: needs suggested (``LATERAL`` is an extension, ``SERVICE`` is refused here): no help.
NOISE = {"<<", "<<(", "{|", "~", "|}", ">>", "[_]", "LATERAL", "SERVICE"}


@dataclass(frozen=True)
class QueryError:
    """A failed query request: the status, the message, and for a syntax error, where."""

    status: int
    message: str
    line: int | None = None
    column: int | None = None
    text: str | None = None
    found: str | None = None
    expected: str | None = None

    @property
    def caret(self) -> str | None:
        """Spaces (tabs where the line has tabs) up to the column, then ``^``."""
        if self.column is None or self.text is None:
            return None
        return caret(self.text, self.column)

    @property
    def title(self) -> str:
        return "Malformed query" if self.line is not None else HTTPStatus(self.status).phrase

    def plain(self) -> str:
        """The text body: the message, and under it the line of the query with the caret."""
        lines = [self.message]
        if self.column is not None and self.text is not None:
            lines += [printable(self.text, keep="\t"), caret(self.text, self.column, escaped=True)]
        return "\n".join(lines) + "\n"

    def problem(self) -> dict[str, object]:
        """The RFC 9457 problem details object (members with no value are left out)."""
        members = {
            "type": GRAMMAR if self.line is not None else "about:blank",
            "title": self.title,
            "status": self.status,
            "detail": self.message,
            "line": self.line,
            "column": self.column,
            "text": self.text,
            "caret": self.caret,
            "found": self.found,
            "expected": self.expected,
        }
        return {k: v for k, v in members.items() if v is not None}


def refused(status: int, message: str) -> QueryError:
    """An error without a position (anything but a syntax error)."""
    return QueryError(status, message)


def syntax_error(message: str, query: str) -> QueryError:
    """The 400 for a query the parser refused with ``message`` (pyoxigraph's, or a remote's).

    A message without pyoxigraph's position (a remote store's own words) is passed on as is.
    """
    match = _POSITION.match(message.strip())
    if match is None:
        return QueryError(400, f"Malformed query: {message.strip()}")
    line, column = int(match.group(1)), int(match.group(2))
    lines = query.split("\n")
    text = lines[line - 1].rstrip("\r") if 0 < line <= len(lines) else ""
    found = found_at(text, column, at_end=line >= len(lines))
    items = expectation_items(match.group(3))
    where = f"Malformed query: syntax error at line {line}, column {column}: "
    first = first_word(query)
    if "Prefix not found" in items:
        pname = prefixed_name_at(text, column)
        name = pname.split(":", 1)[0] if pname else None
        detail = (
            f"the prefix '{name}:' is not declared. Declare it (PREFIX {name}: <…>) or use a "
            "predefined prefix (listed in the service description and on the query page)."
            if name is not None
            else "a prefix is not declared."
        )
        found = f"'{pname}'" if pname else found
        return QueryError(400, where + detail, line, column, text, found, "a declared prefix")
    if first is not None and first[0].upper() not in (*FORMS, "PREFIX", "BASE"):
        word, line, column = first
        text = lines[line - 1].rstrip("\r")
        where = f"Malformed query: syntax error at line {line}, column {column}: "
        expected = "SELECT, CONSTRUCT, ASK or DESCRIBE"
        if word.upper() in UPDATES:
            detail = (
                f"{word} is SPARQL Update, and this endpoint is read-only: it runs "
                f"queries ({expected}) only."
            )
        else:
            detail = f"a query starts with {expected} (after PREFIX and BASE), not '{word}'."
        return QueryError(400, where + detail, line, column, text, f"'{word}'", expected)
    problems = [_sentence(i) for i in items if _is_message(i)]
    expected = "" if problems else expected_words([i for i in items if not _is_message(i)])
    if problems:
        detail = " ".join(problems)
    elif expected:
        detail = f"expected {expected}, found {found}."
    elif not query.strip():
        detail = "the query is empty."
    elif found == "the end of the query" and any(i != "[_]" for i in items):
        detail = "the query ends too early (a term, a '.' or a '}' missing?)."
    else:
        detail = f"found {found}, which does not fit here."
    return QueryError(400, where + detail, line, column, text, found, expected or None)


def expectation_items(expected: str) -> list[str]:
    """The parser's alternatives, one string each (``one of`` lists split at top-level commas)."""
    expected = expected.strip()
    if expected.startswith("one of "):
        expected = expected[len("one of ") :]
    return [m.group(0).strip().rstrip(",").strip() for m in _ITEM.finditer(expected) if m.group(0)]


def _is_message(item: str) -> bool:
    """A sentence of the parser's (``IRI parsing failed``), not a token or a keyword."""
    return " " in item and not item.startswith(("[", '"'))


def _sentence(message: str) -> str:
    known = {
        "IRI parsing failed": "an IRI is not valid (a space, a quote or a bracket in it?).",
        "Duplicated variable name in SELECT": "a variable is selected twice.",
        "The SELECT contains a variable that is unbound": (
            "the SELECT names a variable that is neither grouped nor aggregated (GROUP BY)."
        ),
    }
    return known.get(message, message[0].lower() + message[1:].rstrip(".") + ".")


def expected_words(items: list[str]) -> str:
    """The alternatives in words: "a variable, an IRI or '}'".

    Tokens that start a term become the term ("?" a variable, "<" an IRI, a quote a literal),
    character classes become "a name" or "a number", built-in function names "an expression";
    punctuation stays quoted and keywords stay keywords. When the parser wants an escape, it is
    inside a string, so a quote there closes it and stays a quote.
    """
    tokens = [json.loads(i) if _json_string(i) else i for i in items if i.startswith('"')]
    in_string = any(t.startswith("\\") for t in tokens)
    words: list[str] = []
    others: list[str] = []
    keywords: list[str] = []

    def add(word: str) -> None:
        if word in ORDER:
            if word not in words:
                words.append(word)
        elif word not in others:
            others.append(word)

    for item in items:
        token = (json.loads(item) if _json_string(item) else item[1:-1]) if item[0] == '"' else None
        if item in NOISE or token in NOISE:
            continue
        if token is not None:
            if token.startswith("\\"):
                add("an escape sequence")
            elif in_string and token in ('"', "'", '"""', "'''"):
                add(f"'{token}'")
            elif token in TOKENS:
                add(TOKENS[token])
            elif token.isalpha():
                keywords.append(token)
            else:
                add(f"'{token}'")
        elif item.startswith("["):
            if "'A'" in item or "'a'" in item:
                add("a name")
            elif "'0'" in item:
                add("a number")
            elif item.strip("[]") in ("'_'", "'%'", "'\\\\'", "'.'", "':'", "'-'"):
                continue  # the rest of a name
            else:
                add("another character")
        elif item in TOKENS:
            add(TOKENS[item])
        elif item.upper() in FUNCTIONS:
            add("an expression")
        else:
            keywords.append(item)
    if "a prefixed name" in words and "a name" in words:
        words.remove("a name")
    if "a literal" in words and "a number" in words:
        words.remove("a number")
    ordered = sorted(words, key=ORDER.index) + others
    keywords = [k for k in dict.fromkeys(keywords) if k.upper() not in FUNCTIONS]
    ordered += keywords
    if not ordered:
        return ""
    return ", ".join(ordered[:-1]) + (" or " if len(ordered) > 1 else "") + ordered[-1]


def _json_string(item: str) -> bool:
    try:
        json.loads(item)
    except ValueError:
        return False
    return True


def found_at(text: str, column: int, *, at_end: bool) -> str:
    """What stands at the column: a word or a character, or the end of the line / query."""
    rest = text[column - 1 :] if column >= 1 else text
    if not rest.strip():
        return "the end of the query" if at_end else "the end of the line"
    if rest[0].isspace():
        return SPACES.get(rest[0], f"a space character (U+{ord(rest[0]):04X})")
    word = re.match(r"[\w:?$\-]+|\S", rest)
    return f"'{word.group(0) if word else rest[0]}'"


def prefixed_name_at(text: str, column: int) -> str | None:
    """The prefixed name that ends just before the column (or starts at it), e.g. ``foo:bar``."""
    name = r"(?:[^\W\d][\w.-]*)?:[\w.%\\-]*"
    match = re.search(name + "$", text[: max(0, column - 1)])
    if match is None:
        match = re.match(r"\s*(" + name + ")", text[max(0, column - 1) :])
        return match.group(1) if match else None
    return match.group(0)


def first_word(query: str) -> tuple[str, int, int] | None:
    """The word a query starts with after its prologue (its form), with its line and column.

    Strings, IRIs and comments are blanked out first (:func:`server.store.safety.keywords_text`,
    which keeps every position unless the query has ``\\u`` escapes).
    """
    blank = keywords_text(query)
    prologue = re.match(r"\s*(?:(?:BASE|PREFIX\s*[\w.-]*:)\s*)*", blank, flags=re.IGNORECASE)
    start = prologue.end() if prologue else 0
    word = re.match(r"\w+", blank[start:])
    if word is None:
        return None
    before = query[:start] if len(blank) == len(query) else ""
    line = before.count("\n") + 1
    column = start - (before.rfind("\n") + 1) + 1 if before else 1
    return word.group(0), line, column


def query_failure(
    error: Exception, sparql: str, timeout: float
) -> tuple[QueryError, dict[str, str]] | None:
    """What a client is told when running ``sparql`` raised ``error`` (``None``: not ours).

    One place for the endpoint and the query page (:mod:`server.pages.views`) alike.
    """
    if isinstance(error, SyntaxError):
        return syntax_error(str(error), sparql), {}
    if isinstance(error, QueryRefused):
        return refused(400, str(error)), {}
    if isinstance(error, QueryTimeout):
        return refused(
            503,
            f"Query timeout: the query was stopped after {timeout:g} seconds, the time limit "
            "of this endpoint. Narrow it down (a LIMIT, more specific patterns) and try again.",
        ), {}
    if isinstance(error, PoolBusy):
        return refused(503, f"The endpoint is busy ({error}); try again."), {"Retry-After": "1"}
    if isinstance(error, StoreUnavailable):
        return refused(503, f"The store is unavailable: {error}"), {"Retry-After": "5"}
    if isinstance(error, QueryFailed):
        return refused(500, f"The query failed in the engine: {error}"), {}
    return None
