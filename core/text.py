"""Bangla text helpers: digits and the spellings that look alike but differ in Unicode;
and CSV cells that spreadsheets do not run as formulas."""

import re
import unicodedata

BANGLA_DIGITS = "০১২৩৪৫৬৭৮৯"
_TO_BANGLA = str.maketrans("0123456789", BANGLA_DIGITS)
_TO_ASCII = str.maketrans(BANGLA_DIGITS, "0123456789")


def to_bangla_digits(text: str) -> str:
    return text.translate(_TO_BANGLA)


def to_ascii_digits(text: str) -> str:
    return text.translate(_TO_ASCII)


# NFC keeps U+09DF/U+09DC/U+09DD (য় ড় ঢ়) decomposed as letter + nukta (U+09BC): they are
# composition exclusions. Khanda ta (U+09CE) has an older spelling, ত + hasanta + ZWJ.
_KHANDA_TA_OLD = "\u09a4\u09cd\u200d"
_KHANDA_TA = "\u09ce"
_INVISIBLE_JOINERS = str.maketrans("", "", "\u200c\u200d\u00ad")
# Both spellings are current since the 1990s orthography reform (সরকারী, সরকারি).
_LONG_VOWEL_SIGNS = str.maketrans({"\u09c0": "\u09bf", "\u09c2": "\u09c1"})
_WORD_JOINERS = "-\u2010\u2011\u2012\u2013"


def normalize_for_search(text: str) -> str:
    """The form in which a query and the charter's text are compared.

    Whatever way a user typed য়/ড়/ঢ় (precomposed or with nukta), ৎ (khanda ta or
    ত + hasanta + ZWJ), digits (Bangla or ASCII) or letter case, the result is the same.
    Hyphens join (ই-মেইল → ইমেইল), other punctuation separates words.
    """
    text = unicodedata.normalize("NFC", text).replace(_KHANDA_TA_OLD, _KHANDA_TA)
    text = text.translate(_INVISIBLE_JOINERS).translate(_LONG_VOWEL_SIGNS)
    text = to_ascii_digits(text).casefold()
    kept = []
    for char in text:
        if char in _WORD_JOINERS:
            continue
        category = unicodedata.category(char)
        kept.append(" " if category[0] in "PSZC" else char)
    return " ".join("".join(kept).split())


# A spreadsheet reads a cell that begins with one of these as a formula (OWASP, "CSV
# Injection"): =HYPERLINK(...), +cmd|..., -2+3, @SUM(...); tab and carriage return too.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# A plain number, signed or not, in any script's digits: no formula can hide in one.
_PLAIN_NUMBER = re.compile(r"[+-]?\d+(?:[.,]\d+)*")


def spreadsheet_safe(value):
    """A CSV cell that a spreadsheet shows as the text it is, never runs as a formula.

    Text that begins with a formula character gets a single quote in front (OWASP's rule),
    which Excel and LibreOffice show as text. Numbers are left alone, numbers written as
    text too ("-5", "+12.5"): a sign before digits is a number, not a formula, and a
    quote would turn the figure into text a spreadsheet cannot add up. Anything that is
    not a ``str`` (int, Decimal, None) is returned unchanged.
    """
    if (
        isinstance(value, str)
        and value.startswith(_FORMULA_STARTS)
        and not _PLAIN_NUMBER.fullmatch(value)
    ):
        return "'" + value
    return value
