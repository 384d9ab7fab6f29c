"""Citizen pages: file a complaint, see its receipt, follow it, appeal and rate.

A browser may open a case only if its session holds the case: the receipt for the browser
that filed it (``grs_receipts``), the case page for one that filed it with a mobile number
or typed the tracking number and mobile number together (``grs_tracked``). Each entry keeps
the time it was last used; after ``CASE_IDLE_SECONDS`` without use, or the "sign out of this
case" button, the case needs the numbers again (a shared computer at a union digital centre
keeps its session for the cookie's 14 days). The session itself, and staff logins, are left
as they are. Idle entries stay in the session (at most ``REMEMBERED_CASES``) as "this
browser opened the case before", which the tracking guard below trusts.
"""

import datetime
import functools
import re
import secrets

from django import forms
from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from core import ratelimit
from services.models import Charter, GrsTier, Service
from services.offices import Site, site_or_404

from . import mobile_verification, workflow
from .attachments import clean_uploads
from .forms import (
    REQUIRED,
    AppealForm,
    ComplaintForm,
    MultipleFileField,
    RatingForm,
    TextField,
    TrackForm,
)
from .models import Grievance, Hearing, TimelineEntry
from .summary import render_summary, summary_filename
from .text import normalise_digits

RECEIPTS_SESSION_KEY = "grs_receipts"
SUBMISSION_TOKEN_FIELD = "submission_token"
SUBMISSION_TOKEN_PATTERN = re.compile(r"^[A-Za-z0-9_-]{32}$")
TRACKED_SESSION_KEY = "grs_tracked"
CASE_IDLE_SECONDS = 30 * 60
REMEMBERED_CASES = 20


# --- Which cases this browser may open ---


def _cases(request, key: str) -> dict[str, float]:
    """{tracking number: last used, POSIX seconds}. A list (sessions from before last-used
    times were kept) reads as long idle."""
    value = request.session.get(key) or {}
    if isinstance(value, list):
        return dict.fromkeys(value, 0.0)
    return dict(value)


def _remember(request, key: str, tracking_number: str, *, now) -> None:
    cases = _cases(request, key)
    cases.pop(tracking_number, None)
    cases[tracking_number] = now.timestamp()
    request.session[key] = dict(list(cases.items())[-REMEMBERED_CASES:])


class _Access:
    OPEN = "open"
    IDLE = "idle"
    NONE = "none"


def _access(request, key: str, tracking_number: str, *, now) -> str:
    """OPEN (and the entry is marked used now), IDLE (opened before, unused too long), NONE."""
    last_used = _cases(request, key).get(tracking_number)
    if last_used is None:
        return _Access.NONE
    if now.timestamp() - last_used > CASE_IDLE_SECONDS:
        return _Access.IDLE
    _remember(request, key, tracking_number, now=now)
    return _Access.OPEN


def _opened_before(request, tracking_number: str) -> bool:
    return any(
        tracking_number in _cases(request, key)
        for key in (RECEIPTS_SESSION_KEY, TRACKED_SESSION_KEY)
    )


def _signed_out_while_idle(request):
    messages.info(
        request,
        _(
            "You were signed out of the complaint because it was left open without use. "
            "Enter the tracking number and mobile number again to open it."
        ),
    )
    return redirect("grievances:track")


def _too_many(request, template: str, context: dict):
    context["rate_limited"] = True
    return render(request, template, context, status=429)


# --- Filing ---


def _submission_token(request) -> str:
    """The form's one-time token: the one posted back, or a new one for a new form."""
    posted = request.POST.get(SUBMISSION_TOKEN_FIELD, "")
    if request.method == "POST" and SUBMISSION_TOKEN_PATTERN.match(posted):
        return posted
    return secrets.token_urlsafe(24)


def _show_receipt(request, grievance: Grievance, *, now):
    _remember(request, RECEIPTS_SESSION_KEY, grievance.tracking_number, now=now)
    if not grievance.is_anonymous:
        _remember(request, TRACKED_SESSION_KEY, grievance.tracking_number, now=now)
    return redirect("grievances:receipt", tracking_number=grievance.tracking_number)


def _many_from_same_mobile(request, mobile: str, *, now) -> bool:
    """Whether a complaint with ``mobile`` is flagged for the GRO: the number already has
    ``GRS_RATE_LIMITS["submit_mobile"]`` complaints in the window, and this browser has not
    shown with an SMS code that it holds the number. Never a refusal: anyone can type a
    citizen's number, and refusing would lock the citizen out."""
    if not mobile or mobile_verification.is_verified(request.session, mobile, now=now):
        return False
    limit, window = settings.GRS_RATE_LIMITS["submit_mobile"]
    since = now - datetime.timedelta(seconds=window)
    return Grievance.objects.filter(mobile=mobile, received_at__gt=since).count() >= limit


def _complaint_form(site: Site, *args, today) -> ComplaintForm:
    """The form for a complaint about the site's office. An office whose charter is not
    published offers no service of its own, only "another service" (its complaints go to
    the GRO of the office above it)."""
    form = ComplaintForm(*args, charter=site.charter or Charter(office=site.office), today=today)
    if site.charter is None:
        form.fields["service"].queryset = Service.objects.none()
    return form


@never_cache
def complaint_new(request):
    """A complaint about the page's office (``services.offices``: the office in the path,
    of the host name, or the default one). An office without a published charter takes
    complaints only if an office above it has a published GRS table (whose GRO gets them);
    otherwise the page says where to complain instead."""
    site = site_or_404(request)
    if not site.takes_complaints:
        return render(request, "grievances/complaint_form.html", {"closed": True})
    charter = site.charter
    now = timezone.now()
    today = timezone.localdate()
    token = _submission_token(request)
    if request.method == "POST" and request.POST.get(SUBMISSION_TOKEN_FIELD) == token:
        # Sent again (double click, refresh, resend) after it was filed: its receipt, before
        # any limit, which the first sending may have used up.
        first = Grievance.objects.filter(submission_token=token).first()
        if first is not None:
            return _show_receipt(request, first, now=now)
    address = ratelimit.client_ip(request)
    if request.method == "POST" and request.FILES and ratelimit.exceeded("submit_ip", address):
        # Refused before the uploads are read (the form is shown again without them).
        form = _complaint_form(site, request.POST, today=today)
        context = {"form": form, "charter": charter, "submission_token": token}
        return _too_many(request, "grievances/complaint_form.html", context)
    form = _complaint_form(site, request.POST or None, request.FILES or None, today=today)
    context = {"form": form, "charter": charter, "submission_token": token}
    if request.method == "POST":
        if form.is_valid():
            if not ratelimit.allow("submit_ip", address):
                return _too_many(request, "grievances/complaint_form.html", context)
            complaint = form.complaint()
            flagged = not complaint.get("is_anonymous") and _many_from_same_mobile(
                request, complaint["mobile"], now=now
            )
            try:
                grievance = workflow.submit(
                    office=site.office,
                    **complaint,
                    channel=Grievance.Channel.WEB,
                    language=get_language(),
                    submission_token=token,
                )
            except workflow.DuplicateSubmission as duplicate:
                return _show_receipt(request, duplicate.grievance, now=now)
            except workflow.IneligibleComplaint as error:
                form.add_ineligibility(error)
            except workflow.WorkflowError as error:
                form.add_error(None, error.message)
            else:
                if flagged:
                    Grievance.objects.filter(pk=grievance.pk).update(many_from_same_mobile=True)
                return _show_receipt(request, grievance, now=now)
        elif request.FILES:
            # Forms sent back for mistakes count only when they carried files: uploads are
            # what costs, and a citizen correcting a form behind a shared address (mobile
            # carriers' NAT, a union digital centre) seldom attaches the files again.
            ratelimit.allow("submit_ip", address)
    return render(request, "grievances/complaint_form.html", context)


@never_cache
def receipt(request, tracking_number):
    """Shown only to the browser that filed the complaint (the number is in its session)."""
    access = _access(request, RECEIPTS_SESSION_KEY, tracking_number, now=timezone.now())
    if access == _Access.IDLE:
        return _signed_out_while_idle(request)
    if access == _Access.NONE:
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


# --- Tracking ---


class CodeForm(forms.Form):
    code = TextField(
        label=gettext_lazy("Code from the SMS"),
        max_length=20,
        error_messages={"required": REQUIRED},
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}),
    )


def _lookup_refused(request, tracking_number: str, mobile: str, *, now) -> bool:
    """Whether to refuse a tracking lookup as part of someone's guessing.

    A wrong pair counts against whoever typed it: the client's address (``track_ip``), its
    session (``track_session``), and the tracking number (``track_number``), never the mobile
    number (anyone who knows a citizen's number could then lock the citizen out; guessing
    tracking numbers for a known mobile is hopeless anyway: 31^6 a year).

    The tracking-number count stops a guesser spread over many addresses who tries mobile
    numbers for one tracking number. Once it is used up, new sessions are refused for that
    number. Letting the right pair through anyway would make the guard useless (the
    guesser's right guess is the same request as the owner's), so the refusal offers an SMS
    code instead (``mobile_verification``): sent only to the complaint's own mobile when the
    pair is right, with the same answer either way. The owner gets in with it; a guesser who
    hits the right pair sends the code to the owner's phone. Not refused at all:
    - a session trusted with this mobile number by a code (it holds the phone);
    - a session that opened this case before (it filed the case, or typed the pair), even if
      signed out while idle: other people's guessing, by address or by tracking number, does
      not touch it; its own wrong guesses still do.
    A shared address used up by someone else refuses a new session in the same way, and the
    SMS code is again the way in. The right pair is therefore never turned away for someone
    else's wrong guesses: at worst it takes one SMS.
    """
    if mobile_verification.is_verified(request.session, mobile, now=now):
        return False
    session_key = request.session.session_key
    if session_key and ratelimit.exceeded("track_session", session_key):
        return True
    if _opened_before(request, tracking_number):
        return False
    return ratelimit.exceeded("track_ip", ratelimit.client_ip(request)) or ratelimit.exceeded(
        "track_number", tracking_number
    )


def _count_wrong_guess(request, tracking_number: str) -> None:
    ratelimit.allow("track_ip", ratelimit.client_ip(request))
    if request.session.session_key:  # a guesser without a cookie has no session to count
        ratelimit.allow("track_session", request.session.session_key)
    ratelimit.allow("track_number", tracking_number)


def _track_page(request, context: dict, *, now, status: int = 200):
    context.setdefault("code_form", CodeForm())
    context["code_for"] = mobile_verification.pending(request.session, now=now)
    context["code_minutes"] = mobile_verification.CODE_VALID // 60
    return render(request, "grievances/track.html", context, status=status)


@never_cache
def track(request):
    now = timezone.now()
    action = request.POST.get("action", "") if request.method == "POST" else ""
    if action == "check_code":
        return _check_code(request, now=now)
    form = TrackForm(request.POST or None)
    context = {"form": form}
    if request.method == "POST" and form.is_valid():
        tracking_number = form.cleaned_data["tracking_number"]
        mobile = form.cleaned_data["mobile"]
        match = Grievance.objects.filter(
            tracking_number=tracking_number, mobile=mobile, is_anonymous=False
        )
        if action == "send_code":
            mobile_verification.send_code(
                request.session,
                grievance=match.first(),
                tracking_number=tracking_number,
                mobile=mobile,
                now=now,
            )
            return redirect("grievances:track")
        if _lookup_refused(request, tracking_number, mobile, now=now):
            context["rate_limited"] = context["offer_code"] = True
            return _track_page(request, context, now=now, status=429)
        grievance = match.first()
        if grievance is None:
            _count_wrong_guess(request, tracking_number)
            form.add_error(None, _("No complaint matches this tracking number and mobile number."))
        else:
            _remember(request, TRACKED_SESSION_KEY, grievance.tracking_number, now=now)
            return redirect("grievances:case", tracking_number=grievance.tracking_number)
    return _track_page(request, context, now=now)


def _check_code(request, *, now):
    form = CodeForm(request.POST)
    if form.is_valid():
        code = normalise_digits(form.cleaned_data["code"])
        tracking_number = mobile_verification.check_code(request.session, code, now=now)
        if tracking_number is not None:
            _remember(request, TRACKED_SESSION_KEY, tracking_number, now=now)
            return redirect("grievances:case", tracking_number=tracking_number)
        if mobile_verification.pending(request.session, now=now) is None:
            messages.info(
                request,
                _("The code has expired or was typed wrong too many times. Ask for a new one."),
            )
            return redirect("grievances:track")
        form.add_error("code", _("This is not the code we sent. Please try again."))
    return _track_page(request, {"form": TrackForm(), "code_form": form}, now=now, status=400)


class _SignedOutWhileIdle(Exception):  # noqa: N818 (a signal, not an error)
    pass


def _tracked_or_404(request, tracking_number) -> Grievance:
    access = _access(request, TRACKED_SESSION_KEY, tracking_number, now=timezone.now())
    if access == _Access.IDLE:
        raise _SignedOutWhileIdle
    if access == _Access.NONE:
        raise Http404
    return get_object_or_404(Grievance, tracking_number=tracking_number, is_anonymous=False)


def _case_page(view):
    """A page of a case this browser opened: 404 if it never did, back to the tracking form
    (with a word why) if it was signed out while idle."""

    @functools.wraps(view)
    def wrapped(request, tracking_number):
        try:
            return view(request, tracking_number)
        except _SignedOutWhileIdle:
            return _signed_out_while_idle(request)

    return wrapped


@never_cache
@_case_page
def case(request, tracking_number):
    grievance = _tracked_or_404(request, tracking_number)
    return render(request, "grievances/case.html", _case_context(grievance))


@never_cache
@require_POST
def sign_out(request, tracking_number):
    """This browser forgets the case (and the mobile number a code trusted it with)."""
    for key in (RECEIPTS_SESSION_KEY, TRACKED_SESSION_KEY):
        cases = _cases(request, key)
        if cases.pop(tracking_number, None) is not None:
            request.session[key] = cases
    mobile = (
        Grievance.objects.filter(tracking_number=tracking_number)
        .values_list("mobile", flat=True)
        .first()
    )
    if mobile:
        mobile_verification.forget(request.session, mobile)
    messages.info(request, _("You have signed out of the complaint on this device."))
    return redirect("grievances:track")


def _case_context(grievance, *, appeal_form=None, rating_form=None, answer_form=None) -> dict:
    today = timezone.localdate()
    steps = workflow.available_steps(grievance, today=today)
    return {
        **_information_context(grievance, steps=steps, today=today, answer_form=answer_form),
        **_cell_context(grievance),
        "grievance": grievance,
        "timeline": TimelineEntry.objects.filter(grievance=grievance)
        .exclude(kind__in=TimelineEntry.STAFF_ONLY_KINDS)
        .select_related("scheduled_hearing")
        .order_by("created_at", "pk"),
        # Notices of hearings still to come (the complainant was sent each by SMS/e-mail).
        "hearings": Hearing.objects.filter(
            grievance=grievance, outcome_entry__isnull=True, starts_at__date__gte=today
        ).order_by("starts_at", "pk"),
        "overdue": grievance.is_overdue(today),
        "can_appeal": workflow.Step.APPEAL in steps,
        "appeal_deadline": workflow.appeal_deadline(grievance),
        "appeal_form": appeal_form or AppealForm(),
        "can_rate": workflow.Step.RATE in steps,
        "rating_form": rating_form or RatingForm(),
    }


@never_cache
@require_POST
@_case_page
def appeal(request, tracking_number):
    grievance = _tracked_or_404(request, tracking_number)
    form = AppealForm(request.POST)
    if form.is_valid():
        try:
            workflow.appeal(grievance=grievance, **form.appeal())
        except workflow.WorkflowError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Your appeal has been received."))
            return redirect("grievances:case", tracking_number=tracking_number)
    context = _case_context(grievance, appeal_form=form)
    return render(request, "grievances/case.html", context, status=400)


@never_cache
@require_POST
@_case_page
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


# --- Information the office asked for ---


class InformationAnswerForm(forms.Form):
    """The complainant's answer to the office's question: text, files, or both."""

    answer = TextField(
        label=gettext_lazy("Your answer"),
        max_length=3000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    attachments = MultipleFileField(
        label=gettext_lazy("Attachments"),
        required=False,
        help_text=gettext_lazy("Up to 3 files: JPEG, PNG or PDF, at most 5 MB each."),
    )

    def clean_attachments(self):
        files = self.cleaned_data.get("attachments") or []
        if len(files) > workflow.MAX_ATTACHMENTS:
            raise forms.ValidationError(
                _("Attach at most %(count)s files.") % {"count": workflow.MAX_ATTACHMENTS},
                code="too_many",
            )
        return clean_uploads(files)

    def clean(self):
        data = super().clean()
        if not self.errors and not data.get("answer") and not data.get("attachments"):
            raise forms.ValidationError(_("Write your answer or attach a file."), code="empty")
        return data


def _information_context(grievance, *, steps, today, answer_form=None) -> dict:
    """The open question, its reply deadline and the answer form, while the office waits."""
    if grievance.status != Grievance.Status.AWAITING_INFORMATION:
        return {"open_question": None, "can_answer": False}
    question = (
        TimelineEntry.objects.filter(
            grievance=grievance, kind=TimelineEntry.Kind.INFORMATION_REQUESTED
        )
        .order_by("-created_at", "-pk")
        .values_list("public_note", flat=True)
        .first()
    )
    return {
        "open_question": question or "",
        "information_due": grievance.information_due,
        "paused": grievance.is_paused(today),
        "can_answer": workflow.Step.ANSWER_INFORMATION in steps,
        "answer_form": answer_form or InformationAnswerForm(),
    }


def _cell_context(grievance) -> dict:
    """At tier 3: where and how the complainant takes the case to the Cabinet Division's
    cell, which works outside this system (grs.gov.bd)."""
    if grievance.tier < GrsTier.Level.CABINET_CELL:
        return {"at_cell": False}
    cell = workflow.tier_row(office=grievance.office, level=GrsTier.Level.CABINET_CELL)
    emailed = TimelineEntry.objects.filter(
        grievance=grievance, kind=TimelineEntry.Kind.CELL_SUMMARY_EMAILED
    ).exists()
    return {"at_cell": True, "cell": cell, "summary_emailed": emailed}


@never_cache
@require_POST
@_case_page
def answer(request, tracking_number):
    """The complainant answers the office's question (number + mobile, like the case page);
    the files are checked as the complaint form's are."""
    grievance = _tracked_or_404(request, tracking_number)
    form = InformationAnswerForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            workflow.answer_information(
                grievance=grievance,
                answer=form.cleaned_data["answer"],
                attachments=form.cleaned_data["attachments"],
            )
        except workflow.WorkflowError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Your answer has been received. Thank you."))
            return redirect("grievances:case", tracking_number=tracking_number)
    context = _case_context(grievance, answer_form=form)
    return render(request, "grievances/case.html", context, status=400)


@never_cache
@_case_page
def case_summary(request, tracking_number):
    """The case summary to take to the Cabinet Division's cell, once the case is at tier
    3: a page to print (A4, Bangla), or with ``?download=1`` a self-contained file."""
    grievance = _tracked_or_404(request, tracking_number)
    if grievance.tier < GrsTier.Level.CABINET_CELL:
        raise Http404
    if request.GET.get("download"):
        response = HttpResponse(
            render_summary(grievance, standalone=True), content_type="text/html; charset=utf-8"
        )
        response["Content-Disposition"] = f'attachment; filename="{summary_filename(grievance)}"'
        response["Cache-Control"] = "private, no-store"
        return response
    return HttpResponse(render_summary(grievance, standalone=False, request=request))
