"""The printed charter's QR code: a link to the complaint form, drawn on the server as SVG."""

import segno
from django.conf import settings
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe

from .offices import public_url


def complaint_form_url(request=None) -> str:
    """The complaint form's absolute address, in the active language: of the request's
    office (``offices.public_url``), or of the default office."""
    if request is not None:
        return public_url(request, "grievances:new")
    return settings.SITE_URL.rstrip("/") + reverse("grievances:new")


def qr_code_svg(*, data: str, title: str) -> SafeString:
    """An inline SVG QR code; medium error correction survives a worn or dirty print."""
    code = segno.make(data, error="m", micro=False)
    # omitsize: a viewBox instead of a fixed size, so CSS sizes it for the page and the print.
    svg = code.svg_inline(border=2, title=title, svgclass="qr", lineclass=None, omitsize=True)
    # segno's output is generated markup with the title escaped, so it is safe to embed.
    return mark_safe(svg.replace("<svg ", '<svg role="img" ', 1))  # noqa: S308
