"""Normalising what citizens type: Bangla or ASCII digits in, ASCII out."""

import re

from core.text import to_ascii_digits

MOBILE_PATTERN = re.compile(r"^(?:\+?88)?(01[3-9]\d{8})$")
TRACKING_PATTERN = re.compile(r"^GRS-?(\d{4})-?([2-9A-HJKMNP-Z]{6})$")


def normalise_mobile(value: str) -> str | None:
    """A Bangladesh mobile number as ``01XXXXXXXXX``, or None if it is not one."""
    compact = re.sub(r"[\s\-().]", "", to_ascii_digits(value or ""))
    match = MOBILE_PATTERN.match(compact)
    return match.group(1) if match else None


def normalise_tracking_number(value: str) -> str:
    compact = re.sub(r"[\s]", "", to_ascii_digits(value or "")).upper()
    match = TRACKING_PATTERN.match(compact)
    if match:
        return f"GRS-{match.group(1)}-{match.group(2)}"
    return compact


def normalise_digits(value: str) -> str:
    return to_ascii_digits(value or "").strip()
