"""Bangla text helpers: digits and the spellings that look alike but differ in Unicode."""

BANGLA_DIGITS = "০১২৩৪৫৬৭৮৯"
_TO_BANGLA = str.maketrans("0123456789", BANGLA_DIGITS)
_TO_ASCII = str.maketrans(BANGLA_DIGITS, "0123456789")


def to_bangla_digits(text: str) -> str:
    return text.translate(_TO_BANGLA)


def to_ascii_digits(text: str) -> str:
    return text.translate(_TO_ASCII)
