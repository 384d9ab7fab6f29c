import datetime

from django import template
from django.utils import dateformat, timezone
from django.utils.dateparse import parse_date
from django.utils.translation import get_language

from core.text import to_bangla_digits

register = template.Library()


@register.filter
def digits(value):
    """Bangla digits on Bangla pages, ASCII digits elsewhere."""
    if value is None:
        return ""
    text = str(value)
    if get_language() == "bn":
        return to_bangla_digits(text)
    return text


@register.filter
def local_date(value, style="long"):
    """A date (or the local date of a datetime, or an ISO date stored as text) as the page's
    language writes it."""
    if not value:
        return ""
    if isinstance(value, str):
        value = parse_date(value)
        if value is None:
            return ""
    if isinstance(value, datetime.datetime):
        value = timezone.localtime(value).date()
    pattern = "d/m/Y" if style == "short" else "j F Y"
    return digits(dateformat.format(value, pattern))
