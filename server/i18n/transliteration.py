"""Cyrillic to Latin for search: "Мінск", "Минск" and "Minsk" are the same word to a reader.

The tables follow the BGN/PCGN romanizations of Russian (1947) and Belarusian (1979), the ones
English-language maps and news use, simplified for matching: no positional ``ye`` (``е`` is
``e`` everywhere), no apostrophes for the soft and hard signs, ``ё`` and ``э`` as ``e``. The
Belarusian table differs where the languages do: ``г`` is ``h``, ``і`` is ``i``, ``ў`` is ``w``.
Latin text passes unchanged, so a transliterated copy of any text can be compared with a
transliterated query in whatever script either was written.
"""

from __future__ import annotations

_COMMON = {
    "а": "a",
    "б": "b",
    "в": "v",
    "г": "g",
    "д": "d",
    "е": "e",
    "ё": "e",
    "ж": "zh",
    "з": "z",
    "и": "i",
    "й": "y",
    "к": "k",
    "л": "l",
    "м": "m",
    "н": "n",
    "о": "o",
    "п": "p",
    "р": "r",
    "с": "s",
    "т": "t",
    "у": "u",
    "ф": "f",
    "х": "kh",
    "ц": "ts",
    "ч": "ch",
    "ш": "sh",
    "щ": "shch",
    "ъ": "",
    "ы": "y",
    "ь": "",
    "э": "e",
    "ю": "yu",
    "я": "ya",
    "\u02bc": "",  # the Belarusian apostrophe (modifier letter)
    "'": "",
    "’": "",
}

#: Russian (BGN/PCGN 1947, simplified as above).
RUSSIAN = str.maketrans(_COMMON)
#: Belarusian (BGN/PCGN 1979, simplified as above).
BELARUSIAN = str.maketrans({**_COMMON, "г": "h", "і": "i", "ў": "w"})
#: Ukrainian letters that occur in names and would otherwise pass untouched.
_OTHER = str.maketrans({"ї": "yi", "є": "ye", "ґ": "g"})


def latin(text: str, lang: str | None = None) -> str:
    """``text`` in Latin letters, read as Belarusian for ``be`` and as Russian otherwise."""
    lowered = text.lower()
    table = BELARUSIAN if (lang or "").lower().startswith("be") else RUSSIAN
    # "і" and "ў" are Belarusian in any text: read them so even in a Russian-tagged string.
    return lowered.translate(table).translate(BELARUSIAN).translate(_OTHER)


def variants(word: str) -> set[str]:
    """The Latin readings of a query word: as Russian and as Belarusian (they differ on ``г``)."""
    return {latin(word, "ru"), latin(word, "be")}
