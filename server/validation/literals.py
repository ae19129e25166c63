"""Is a typed literal's lexical form in its XSD datatype's lexical space? And if not, why not.

RDF 1.1 Concepts (section 3.3) calls a literal whose lexical form is not in the lexical space of
its datatype *ill-typed*: it is still RDF, so parsers accept it, but every query, shape and page
then treats ``"2009-02-30"^^xsd:date`` as an opaque string. rdflib's ``Literal.ill_typed`` only
knows the datatypes it converts to Python (not ``xsd:gYear`` or ``xsd:gYearMonth``, which the data
uses for every approximate date) and is lenient where Python is (``"1_000"^^xsd:integer``,
``"2009-11-27T10:00"^^xsd:date``, a space in ``xsd:dateTime``), so the check here is the
specification's own: the lexical-space regular expressions of XML Schema 1.1 Part 2
(W3C Recommendation 2012, section 3.3, one per datatype, copied as written) plus the value
constraints stated in prose beside them (the day must exist in its month: section D.3.1
"dayInMonth"; the bounds of the derived integer types, section 3.4). It covers every XSD
datatype RDF 1.1 Concepts section 5.1 lists as usable in RDF; other datatypes are not checked.
RDF applies no whitespace normalisation to lexical forms, so neither does this check.

Each datatype comes with what a valid lexical form looks like, for the message.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass

XSD = "http://www.w3.org/2001/XMLSchema#"

_YEAR = r"-?(?:[1-9][0-9]{3,}|0[0-9]{3})"
_MONTH = r"(?:0[1-9]|1[0-2])"
_DAY = r"(?:0[1-9]|[12][0-9]|3[01])"
_TZ = r"(?:Z|[+-](?:(?:0[0-9]|1[0-3]):[0-5][0-9]|14:00))"
_TIME = r"(?:(?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](?:\.[0-9]+)?|24:00:00(?:\.0+)?)"
_DECIMAL = r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)"
_FLOAT = rf"(?:{_DECIMAL}(?:[Ee][+-]?[0-9]+)?|[+-]?INF|NaN)"
_DU_TIME = (
    r"T(?:[0-9]+H(?:[0-9]+M)?(?:[0-9]+(?:\.[0-9]+)?S)?|[0-9]+M(?:[0-9]+(?:\.[0-9]+)?S)?"
    r"|[0-9]+(?:\.[0-9]+)?S)"
)
_DU_DATE = r"(?:[0-9]+Y(?:[0-9]+M)?(?:[0-9]+D)?|[0-9]+M(?:[0-9]+D)?|[0-9]+D)"
_NAME_START = (
    r":A-Z_a-z\u00C0-\u00D6\u00D8-\u00F6\u00F8-\u02FF\u0370-\u037D\u037F-\u1FFF\u200C-\u200D"
    r"\u2070-\u218F\u2C00-\u2FEF\u3001-\uD7FF\uF900-\uFDCF\uFDF0-\uFFFD\U00010000-\U000EFFFF"
)
_NAME_CHAR = _NAME_START + r"\-.0-9\u00B7\u0300-\u036F\u203F-\u2040"


@dataclass(frozen=True)
class Datatype:
    """One XSD datatype: its lexical space, integer bounds if any, and a valid example."""

    name: str
    pattern: re.Pattern[str]
    looks_like: str
    bounds: tuple[int | None, int | None] | None = None
    #: Which groups of ``pattern`` hold year, month and day, to check the day exists.
    dated: bool = False


def _integer(name: str, low: int | None, high: int | None) -> Datatype:
    if low is not None and high is not None:
        span = f"an integer from {low} to {high}"
    elif low is not None:
        span = f"an integer of at least {low}"
    else:
        span = f"an integer of at most {high}"
    example = min(max(42, low if low is not None else 42), high if high is not None else 42)
    looks_like = f'{span}, in digits with an optional sign, e.g. "{example}"'
    return Datatype(name, re.compile(r"[+-]?[0-9]+"), looks_like, (low, high))


_DATATYPES: tuple[Datatype, ...] = (
    Datatype("string", re.compile(r"(?s).*"), "any text"),
    Datatype(
        "normalizedString",
        re.compile(r"[^\t\n\r]*"),
        "text without tab, carriage return or line feed",
    ),
    Datatype(
        "token",
        re.compile(r"(?:[^\s](?:[^\t\n\r ]| (?! ))*[^\s]|[^\s])?"),
        "text without tabs, line breaks, leading, trailing or double spaces",
    ),
    Datatype(
        "language",
        re.compile(r"[a-zA-Z]{1,8}(?:-[a-zA-Z0-9]{1,8})*"),
        'a language tag, e.g. "en" or "be-Cyrl"',
    ),
    Datatype("Name", re.compile(rf"[{_NAME_START}][{_NAME_CHAR}]*"), 'an XML name, e.g. "name"'),
    Datatype(
        "NCName",
        re.compile(rf"[{_NAME_START.replace(':', '')}][{_NAME_CHAR.replace(':', '')}]*"),
        'an XML name without colons, e.g. "name"',
    ),
    Datatype("NMTOKEN", re.compile(rf"[{_NAME_CHAR}]+"), 'XML name characters, e.g. "a-1"'),
    Datatype("anyURI", re.compile(r"(?s).*"), "any IRI reference"),
    Datatype("boolean", re.compile(r"true|false|1|0"), 'one of "true", "false", "1" or "0"'),
    Datatype(
        "decimal",
        re.compile(_DECIMAL),
        'digits with an optional sign and decimal point, e.g. "-3.25" '
        "(no exponent, no thousands separator)",
    ),
    Datatype(
        "integer",
        re.compile(r"[+-]?[0-9]+"),
        'digits with an optional sign, e.g. "42" or "-7" (no separators, no decimal point)',
    ),
    _integer("long", -(2**63), 2**63 - 1),
    _integer("int", -(2**31), 2**31 - 1),
    _integer("short", -(2**15), 2**15 - 1),
    _integer("byte", -(2**7), 2**7 - 1),
    _integer("nonNegativeInteger", 0, None),
    _integer("positiveInteger", 1, None),
    _integer("nonPositiveInteger", None, 0),
    _integer("negativeInteger", None, -1),
    _integer("unsignedLong", 0, 2**64 - 1),
    _integer("unsignedInt", 0, 2**32 - 1),
    _integer("unsignedShort", 0, 2**16 - 1),
    _integer("unsignedByte", 0, 2**8 - 1),
    Datatype(
        "double",
        re.compile(_FLOAT),
        'a decimal number with an optional exponent, e.g. "6.02E23", or "INF", "-INF", "NaN"',
    ),
    Datatype(
        "float",
        re.compile(_FLOAT),
        'a decimal number with an optional exponent, e.g. "1.5E3", or "INF", "-INF", "NaN"',
    ),
    Datatype(
        "date",
        re.compile(rf"({_YEAR})-({_MONTH})-({_DAY}){_TZ}?"),
        'YYYY-MM-DD with an optional time zone, e.g. "2009-11-27"',
        dated=True,
    ),
    Datatype(
        "dateTime",
        re.compile(rf"({_YEAR})-({_MONTH})-({_DAY})T{_TIME}{_TZ}?"),
        'YYYY-MM-DDThh:mm:ss with an optional time zone, e.g. "2009-11-27T10:30:00Z"',
        dated=True,
    ),
    Datatype(
        "dateTimeStamp",
        re.compile(rf"({_YEAR})-({_MONTH})-({_DAY})T{_TIME}{_TZ}"),
        'YYYY-MM-DDThh:mm:ss with a time zone, e.g. "2009-11-27T10:30:00+03:00"',
        dated=True,
    ),
    Datatype(
        "time",
        re.compile(rf"{_TIME}{_TZ}?"),
        'hh:mm:ss with an optional time zone, e.g. "10:30:00"',
    ),
    Datatype("gYear", re.compile(rf"{_YEAR}{_TZ}?"), 'a year of four digits, e.g. "2009"'),
    Datatype(
        "gYearMonth",
        re.compile(rf"{_YEAR}-{_MONTH}{_TZ}?"),
        'YYYY-MM, e.g. "2009-11"',
    ),
    Datatype("gMonth", re.compile(rf"--{_MONTH}{_TZ}?"), '--MM, e.g. "--11"'),
    Datatype("gDay", re.compile(rf"---{_DAY}{_TZ}?"), '---DD, e.g. "---27"'),
    Datatype(
        "gMonthDay",
        re.compile(rf"--()({_MONTH})-({_DAY}){_TZ}?"),
        '--MM-DD, e.g. "--11-27"',
        dated=True,
    ),
    Datatype(
        "duration",
        re.compile(rf"-?P(?:{_DU_DATE}(?:{_DU_TIME})?|{_DU_TIME})"),
        'PnYnMnDTnHnMnS with at least one part, e.g. "P1Y2M" or "PT36H"',
    ),
    Datatype(
        "yearMonthDuration",
        re.compile(r"-?P(?:[0-9]+Y(?:[0-9]+M)?|[0-9]+M)"),
        'PnYnM with at least one part, e.g. "P1Y6M"',
    ),
    Datatype(
        "dayTimeDuration",
        re.compile(rf"-?P(?:[0-9]+D(?:{_DU_TIME})?|{_DU_TIME})"),
        'PnDTnHnMnS with at least one part, e.g. "P2DT4H"',
    ),
    Datatype(
        "hexBinary",
        re.compile(r"(?:[0-9a-fA-F]{2})*"),
        'pairs of hexadecimal digits, e.g. "0FB7"',
    ),
    Datatype(
        "base64Binary",
        re.compile(
            r"(?:(?:[A-Za-z0-9+/] ?){4})*(?:(?:[A-Za-z0-9+/] ?){3}[A-Za-z0-9+/]"
            r"|(?:[A-Za-z0-9+/] ?){2}[AEIMQUYcgkosw048] ?="
            r"|[A-Za-z0-9+/] ?[AQgw] ?= ?=)?"
        ),
        'Base64 text, e.g. "aGVsbG8="',
    ),
)

#: The checked datatypes by IRI.
DATATYPES: dict[str, Datatype] = {XSD + d.name: d for d in _DATATYPES}


def problem(lexical: str, datatype: str) -> str | None:
    """Why ``lexical`` is not a valid literal of ``datatype`` (a message), or ``None`` if it is.

    Datatypes that are not checked (see the module docstring) have no problem.
    """
    spec = DATATYPES.get(datatype)
    if spec is None:
        return None
    name = f"xsd:{spec.name}"
    match = spec.pattern.fullmatch(lexical)
    if match is None:
        why = "wrong format"
    elif spec.bounds is not None:
        low, high = spec.bounds
        number = _bounded_value(lexical)
        if (low is None or number >= low) and (high is None or number <= high):
            return None
        why = "out of range"
    elif spec.dated:
        why = _missing_day(*match.groups()[:3])
        if why is None:
            return None
    else:
        return None
    return f'"{_shown(lexical)}" is not a valid {name} ({why}); a valid {name} is {spec.looks_like}'


def _shown(lexical: str, limit: int = 60) -> str:
    """The lexical form as a message quotes it: a very long one is cut short."""
    return lexical if len(lexical) <= limit else lexical[:limit] + "…"


def _bounded_value(lexical: str) -> int | float:
    """An integer's value for a range check; one longer than any bound (above 2^64 has at most
    20 digits) is an infinity, so that Python's limit on converting long digit strings to int
    is never reached."""
    digits = lexical.lstrip("+-").lstrip("0") or "0"
    negative = lexical.startswith("-")
    if len(digits) > 30:
        return float("-inf") if negative else float("inf")
    return -int(digits) if negative else int(digits)


def _missing_day(year: str, month: str, day: str) -> str | None:
    """Why the day does not exist in its month (XSD 1.1 Part 2, D.3.1), or ``None``.

    Without a year (``xsd:gMonthDay``), February has 29 days. XSD years count 0000 as 1 BCE,
    a leap year, and Python's modulo gives the proleptic Gregorian rule for negative years too.
    """
    number = int(month)
    if year:
        y = int(year)
        leap = y % 4 == 0 and (y % 100 != 0 or y % 400 == 0)
        days = 29 if number == 2 and leap else calendar.mdays[number]
        whose = f"{calendar.month_name[number]} {year}"
    else:
        days = 29 if number == 2 else calendar.mdays[number]
        whose = calendar.month_name[number]
    if int(day) <= days:
        return None
    return f"{whose} has {days} days"
