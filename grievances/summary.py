"""The case summary a complainant takes to the Cabinet Division's cell (tier 3).

The cell works outside this system (grs.gov.bd): when a case reaches tier 3 the office
hands nothing over, and the complainant files it there, attaching this summary or handing
it in. One A4 page in Bangla (the cell's language, whatever the page's): the tracking
number with a QR code to the tracking page, the complaint, what happened at tier 1 and
tier 2 (the public steps of the timeline, the decisions, the questions and answers, the
appeal's grounds) and where and how to take it to the cell.

The same HTML is shown on the tracking page (``views.case_summary``, behind the tracking
number and mobile number), downloaded as a self-contained file (the stylesheet inlined,
since a file opened from the phone has no site to fetch it from), and attached to the
e-mail to the cell when ``GRS_CABINET_CELL_EMAIL`` is set.
"""

from django.conf import settings
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from services.models import GrsTier
from services.printing import qr_code_svg

from .models import Grievance, TimelineEntry

Kind = TimelineEntry.Kind
LANGUAGE = "bn"
STYLESHEET = "css/summary.css"


def track_url() -> str:
    """The tracking page's absolute address (any office's cases), in Bangla."""
    with translation.override(LANGUAGE):
        return settings.SITE_URL.rstrip("/") + reverse("grievances:track")


def _stylesheet() -> str:
    path = finders.find(STYLESHEET)
    if not path:
        return ""
    with open(path, encoding="utf-8") as css:
        return css.read()


def public_timeline(grievance: Grievance):
    """The steps the complainant sees, oldest first (the office's notes about its own
    messages are left out)."""
    return (
        TimelineEntry.objects.filter(grievance=grievance)
        .exclude(kind__in=TimelineEntry.STAFF_ONLY_KINDS)
        .order_by("created_at", "pk")
    )


def summary_context(grievance: Grievance) -> dict:
    """What the summary shows; call it with Bangla active."""
    from .workflow import tier_row  # workflow imports the modules this one imports

    entries = list(public_timeline(grievance))
    tiers = []
    for level in (GrsTier.Level.GRO, GrsTier.Level.APPEAL):
        row = tier_row(office=grievance.office, level=level)
        steps = [entry for entry in entries if entry.to_tier == level]
        if steps or level == grievance.tier:
            tiers.append(
                {"level": level, "label": GrsTier.Level(level).label, "row": row, "steps": steps}
            )
    handover = next(
        (
            entry
            for entry in entries
            if entry.to_tier == GrsTier.Level.CABINET_CELL
            and entry.kind in (Kind.ESCALATED, Kind.APPEALED)
        ),
        None,
    )
    url = track_url()
    return {
        "grievance": grievance,
        "tiers": tiers,
        "handover": handover,
        "cell_steps": [
            entry
            for entry in entries
            if entry.to_tier == GrsTier.Level.CABINET_CELL and entry is not handover
        ],
        "cell": tier_row(office=grievance.office, level=GrsTier.Level.CABINET_CELL),
        "cell_label": GrsTier.Level.CABINET_CELL.label,
        "track_url": url,
        "qr": qr_code_svg(data=url, title=_("QR code: follow this complaint")),
        "printed_on": timezone.localdate(),
    }


def render_summary(grievance: Grievance, *, standalone: bool, request=None) -> str:
    """The summary page; ``standalone``: with its stylesheet inside, for a file."""
    with translation.override(LANGUAGE):
        context = summary_context(grievance)
        context["standalone"] = standalone
        context["stylesheet"] = _stylesheet() if standalone else ""
        return render_to_string("grievances/case_summary.html", context, request=request)


def summary_filename(grievance: Grievance) -> str:
    return f"{grievance.tracking_number}-summary.html"


def summary_file(grievance_id: int) -> tuple[str, str, str]:
    """(file name, content, type) of the case's summary, for an e-mail attachment."""
    grievance = Grievance.objects.select_related("office", "service").get(pk=grievance_id)
    return (
        summary_filename(grievance),
        render_summary(grievance, standalone=True),
        "text/html",
    )
