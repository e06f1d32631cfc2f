"""Check that evidence quotes really appear in what the candidate said.

Both sides are normalised the same way (Unicode NFKC, curly quotes and dashes
made plain, whitespace collapsed, case folded) so a grader that re-typed a
quote with straight quotes still matches, but a paraphrase or an invented
quote does not. A quote may skip words with "..." as long as every fragment
appears, in order, inside one turn.
"""

from __future__ import annotations

import re
import unicodedata

# Turns are joined with this, so a quote cannot straddle two turns.
TURN_BREAK = " \u241e "
MIN_QUOTE_CHARS = 12
MIN_QUOTE_WORDS = 2
MAX_QUOTE_CHARS = 600

_CHARS = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u201b": "'",
        "\u2032": "'",
        "`": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u201f": '"',
        "\u00ab": '"',
        "\u00bb": '"',
        "\u2033": '"',
        "\u2010": "-",
        "\u2011": "-",
        "\u2012": "-",
        "\u2013": "-",
        "\u2014": "-",
        "\u2212": "-",
        "\u00a0": " ",
        "\u2026": "...",
    }
)
_ELLIPSIS = re.compile(r"\.{3,}|\[\s*\.\.\.\s*\]")
_EDGE = " \t\n\"'.,;:!?()[]-"


def normalise(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).translate(_CHARS)
    return " ".join(text.split()).casefold()


def haystack(turn_texts: list[str]) -> str:
    """The normalised text quotes are checked against."""
    return TURN_BREAK.join(normalise(t) for t in turn_texts)


def quote_found(quote: str, hay: str) -> bool:
    """True when ``quote`` (normalised) appears in ``hay`` (from :func:`haystack`)."""
    q = normalise(quote)
    if len(q) > MAX_QUOTE_CHARS:
        return False
    fragments = [f.strip(_EDGE) for f in _ELLIPSIS.split(q)]
    fragments = [f for f in fragments if f]
    joined = " ".join(fragments)
    if len(joined) < MIN_QUOTE_CHARS or len(joined.split()) < MIN_QUOTE_WORDS:
        return False
    for turn in hay.split(TURN_BREAK.strip().casefold()):
        pos = 0
        for frag in fragments:
            at = turn.find(frag, pos)
            if at == -1:
                break
            pos = at + len(frag)
        else:
            return True
    return False


def verify_quotes(quotes: list[str], hay: str) -> tuple[list[str], int]:
    """(quotes found, number dropped). Duplicates are kept once, not counted as dropped."""
    kept: list[str] = []
    seen: set[str] = set()
    dropped = 0
    for quote in quotes:
        key = normalise(quote)
        if key in seen:
            continue
        seen.add(key)
        if quote_found(quote, hay):
            kept.append(" ".join(quote.split()))
        else:
            dropped += 1
    return kept, dropped
