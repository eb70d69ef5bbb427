"""Text from a log made safe at the edges where it is shown: terminals and spreadsheets.

A log is data from anywhere: a statement's summary, a speaker, a venue or a
source title may hold escape sequences (cursor moves, erased lines, window
titles), bidirectional overrides (U+202E reverses what follows) or a CSV
cell a spreadsheet would run as a formula. Shown raw, one crafted event can
make a screen read "0 %" where the output says "30 %". These functions
escape such characters where text leaves the library for a person; the
events themselves are never changed.
"""

from __future__ import annotations

import re
import sys

__all__ = ["for_spreadsheet", "for_terminal", "one_line", "say"]

_UNSAFE = re.compile(
    "[\x00-\x09\x0b-\x1f\x7f-\x9f"  # C0 (but the newline), DEL, C1: escape sequences start here
    "\u00ad\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891\u08e2\u180e"  # format characters (Cf)
    "\u200b\u200e\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb"  # marks, bidi overrides
    "\u2028\u2029"  # line and paragraph separators
    "\U000110bd\U000110cd\U00013430-\U0001343f\U0001bca0-\U0001bca3\U0001d173-\U0001d17a"
    "\U000e0001\U000e0020-\U000e007f]"
)
"""Every control, format (Cf: bidirectional overrides and marks, zero-width spaces) and separator character of
Unicode 15, but the newline and the zero-width (non-)joiners that scripts and emoji need; a test checks the list
against ``unicodedata``."""


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def _json_escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    if code < 0x10000:
        return f"\\u{code:04x}"
    high, low = divmod(code - 0x10000, 0x400)
    return f"\\u{0xD800 + high:04x}\\u{0xDC00 + low:04x}"


def for_terminal(text: str, *, json: bool = False) -> str:
    """``text`` with every control, format and separator character but the newline written as an escape (``\\x1b``, ``\\u202e``).

    What the library prints itself has none, so only text from a log is
    changed; the line structure (newlines) is kept. With ``json``, the
    escapes are JSON's (``\\u001b``), so that JSON text stays valid JSON with
    the same content.
    """
    return _UNSAFE.sub(_json_escape if json else _escape, text)


def one_line(text: str) -> str:
    """``text`` with each newline written as ``\\x0a``: for a value from a log set inside one line of output.

    :func:`for_terminal` keeps newlines because the library's own output is
    made of lines; a newline inside a statement's summary or a source's
    title would otherwise start a line of its own that reads like one the
    library printed (a forged change, a forged total).
    """
    return text.replace("\n", "\\x0a")


_NUMBER = re.compile(r"-?[0-9]+(?:\.[0-9]+)?")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def for_spreadsheet(cell: str) -> str:
    """A CSV cell a spreadsheet will not run as a formula: a leading ``'`` before ``=``, ``+``, ``-``, ``@``, tab or CR.

    Plain numbers (``-3.4``) are kept as they are. This follows the OWASP
    advice on CSV injection; the cell is also made safe for a terminal.
    """
    cell = for_terminal(cell)
    if cell.startswith(_FORMULA_START) and not _NUMBER.fullmatch(cell):
        return "'" + cell
    return cell


def say(text: object, *, err: bool = True) -> None:
    """Print one line for a person (standard error by default), with any text from a log made safe for a terminal
    (a newline in it included, as ``\\x0a``)."""
    print(for_terminal(one_line(str(text))), file=sys.stderr if err else sys.stdout)
