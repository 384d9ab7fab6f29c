"""Citizen pages: file a complaint, see its receipt, follow it, appeal and rate."""

import re
import secrets

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from core import ratelimit
from services.charter import charter_or_404
from services.models import GrsTier

from . import workflow
from .forms import AppealForm, ComplaintForm, RatingForm, TrackForm
from .models import Grievance, TimelineEntry

RECEIPTS_SESSION_KEY = "grs_receipts"
SUBMISSION_TOKEN_FIELD = "submission_token"
SUBMISSION_TOKEN_PATTERN = re.compile(r"^[A-Za-z0-9_-]{32}$")
TRACKED_SESSION_KEY = "grs_tracked"


def _remember(request, key: str, tracking_number: str) -> None:
    numbers = request.session.get(key, [])
    if tracking_number not in numbers:
        request.session[key] = (numbers + [tracking_number])[-20:]


def _too_many(request, template: str, context: dict):
    context["rate_limited"] = True
    return render(request, template, context, status=429)


def _submission_token(request) -> str:
    """The form's one-time token: the one posted back, or a new one for a new form."""
    posted = request.POST.get(SUBMISSION_TOKEN_FIELD, "")
    if request.method == "POST" and SUBMISSION_TOKEN_PATTERN.match(posted):
        return posted
    return secrets.token_urlsafe(24)


@never_cache
def complaint_new(request):
    charter = charter_or_404(request)
    today = timezone.localdate()
    form = ComplaintForm(request.POST or None, request.FILES or None, charter=charter, today=today)
    token = _submission_token(request)
    context = {"form": form, "charter": charter, "submission_token": token}
    if request.method == "POST":
        # Only complete forms count: a citizen fixing mistakes behind a shared address
        # (mobile carriers' NAT, a union digital centre) is not locked out.
        if form.is_valid():
            data = form.cleaned_data
            if not ratelimit.allow("submit_ip", ratelimit.client_ip(request)):
                return _too_many(request, "grievances/complaint_form.html", context)
            if data["mobile"] and not ratelimit.allow("submit_mobile", data["mobile"]):
                return _too_many(request, "grievances/complaint_form.html", context)
            try:
                grievance = workflow.submit(
                    office=charter.office,
                    **form.complaint(),
                    channel=Grievance.Channel.WEB,
                    language=get_language(),
                    submission_token=token,
                )
            except workflow.DuplicateSubmission as duplicate:
                # Sent twice (double click, refresh, resend): show the first one's receipt.
                grievance = duplicate.grievance
                _remember(request, RECEIPTS_SESSION_KEY, grievance.tracking_number)
                return redirect("grievances:receipt", tracking_number=grievance.tracking_number)
            except workflow.IneligibleComplaint as error:
                form.add_ineligibility(error)
            except workflow.WorkflowError as error:
                form.add_error(None, error.message)
            else:
                _remember(request, RECEIPTS_SESSION_KEY, grievance.tracking_number)
                if not grievance.is_anonymous:
                    _remember(request, TRACKED_SESSION_KEY, grievance.tracking_number)
                return redirect("grievances:receipt", tracking_number=grievance.tracking_number)
    return render(request, "grievances/complaint_form.html", context)


@never_cache
def receipt(request, tracking_number):
    """Shown only to the browser that filed the complaint (the number is in its session)."""
    if tracking_number not in request.session.get(RECEIPTS_SESSION_KEY, []):
        raise Http404
    grievance = get_object_or_404(
        Grievance.objects.select_related("handling_officer", "office"),
        tracking_number=tracking_number,
    )
    tier_row = (
        GrsTier.objects.filter(charter__office=grievance.office, level=grievance.tier)
        .select_related("officer")
        .first()
    )
    return render(request, "grievances/receipt.html", {"grievance": grievance, "tier": tier_row})


@never_cache
def track(request):
    form = TrackForm(request.POST or None)
    context = {"form": form}
    if request.method == "POST":
        if not ratelimit.allow("track_ip", ratelimit.client_ip(request)):
            return _too_many(request, "grievances/track.html", context)
        if form.is_valid():
            mobile = form.cleaned_data["mobile"]
            if not ratelimit.allow("track_mobile", mobile):
                return _too_many(request, "grievances/track.html", context)
            grievance = Grievance.objects.filter(
                tracking_number=form.cleaned_data["tracking_number"],
                mobile=mobile,
                is_anonymous=False,
            ).first()
            if grievance is None:
                form.add_error(
                    None, _("No complaint matches this tracking number and mobile number.")
                )
            else:
                _remember(request, TRACKED_SESSION_KEY, grievance.tracking_number)
                return redirect("grievances:case", tracking_number=grievance.tracking_number)
    return render(request, "grievances/track.html", context)


def _tracked_or_404(request, tracking_number) -> Grievance:
    if tracking_number not in request.session.get(TRACKED_SESSION_KEY, []):
        raise Http404
    return get_object_or_404(Grievance, tracking_number=tracking_number, is_anonymous=False)


@never_cache
def case(request, tracking_number):
    grievance = _tracked_or_404(request, tracking_number)
    return render(request, "grievances/case.html", _case_context(grievance))


def _case_context(grievance, *, appeal_form=None, rating_form=None) -> dict:
    today = timezone.localdate()
    steps = workflow.available_steps(grievance, today=today)
    return {
        "grievance": grievance,
        "timeline": TimelineEntry.objects.filter(grievance=grievance).order_by("created_at", "pk"),
        "overdue": grievance.is_overdue(today),
        "can_appeal": workflow.Step.APPEAL in steps,
        "appeal_deadline": workflow.appeal_deadline(grievance),
        "appeal_form": appeal_form or AppealForm(),
        "can_rate": workflow.Step.RATE in steps,
        "rating_form": rating_form or RatingForm(),
    }


@never_cache
@require_POST
def appeal(request, tracking_number):
    grievance = _tracked_or_404(request, tracking_number)
    form = AppealForm(request.POST)
    if form.is_valid():
        try:
            workflow.appeal(grievance=grievance, reason=form.cleaned_data["reason"])
        except workflow.WorkflowError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Your appeal has been received."))
            return redirect("grievances:case", tracking_number=tracking_number)
    context = _case_context(grievance, appeal_form=form)
    return render(request, "grievances/case.html", context, status=400)


@never_cache
@require_POST
def rate(request, tracking_number):
    grievance = _tracked_or_404(request, tracking_number)
    form = RatingForm(request.POST)
    if form.is_valid():
        try:
            workflow.rate(
                grievance=grievance,
                satisfied=form.cleaned_data["satisfied"],
                comment=form.cleaned_data["comment"],
            )
        except workflow.WorkflowError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Thank you for your rating."))
            return redirect("grievances:case", tracking_number=tracking_number)
    context = _case_context(grievance, rating_form=form)
    return render(request, "grievances/case.html", context, status=400)
