"""Admin pages for officers beside the case list: the monthly report and offline complaints.

Registered on the complaint admin (``GrievanceAdmin.get_urls``); each view checks its own
permission, and staff other than superusers see only their own office and those under it.
"""

import csv
import datetime
import io

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone, translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from services.models import Office

from . import calendar, reports, workflow
from .forms import ComplaintForm
from .models import Grievance, StaffProfile

# How far back staff may date a complaint that came by post, by phone or at the desk.
OFFLINE_MAX_AGE = datetime.timedelta(days=365)


def report_urls(model_admin) -> list:
    site = model_admin.admin_site
    return [
        path(
            "report/",
            site.admin_view(lambda request: report_view(model_admin, request)),
            name="grievances_grievance_report",
        ),
        path(
            "offline/",
            site.admin_view(lambda request: offline_complaint_view(model_admin, request)),
            name="grievances_grievance_offline",
        ),
    ]


def offices_for(user) -> list[Office]:
    """Offices whose figures ``user`` may see: all for a superuser, else their own and below."""
    if user.is_superuser:
        return list(Office.objects.order_by("level", "name"))
    profile = StaffProfile.objects.select_related("officer").filter(user=user).first()
    if profile is None:
        return []
    own = profile.office_id or (profile.officer.office_id if profile.officer else None)
    if own is None:
        return []
    every = list(Office.objects.order_by("level", "name"))
    allowed, frontier = {own}, {own}
    while frontier:  # an office hierarchy is a few levels deep
        frontier = {office.pk for office in every if office.parent_id in frontier} - allowed
        allowed |= frontier
    return [office for office in every if office.pk in allowed]


# ---------------------------------------------------------------------------- report


class ReportForm(forms.Form):
    month = forms.CharField(
        label=_("Month"),
        widget=forms.DateInput(attrs={"type": "month"}, format="%Y-%m"),
        help_text=_("For example 2025-03."),
    )
    office = forms.ModelChoiceField(label=_("Office"), queryset=Office.objects.none())

    def __init__(self, *args, offices: list[Office], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["office"].queryset = Office.objects.filter(pk__in=[o.pk for o in offices])

    def clean_month(self):
        text = self.cleaned_data["month"].strip()
        try:
            return datetime.datetime.strptime(text, "%Y-%m").date()
        except ValueError:
            raise ValidationError(_("Give the month as year-month, e.g. 2025-03.")) from None


def _default_office(user, offices: list[Office]) -> Office:
    profile = StaffProfile.objects.filter(user=user).first()
    if profile and profile.office_id in {o.pk for o in offices}:
        return next(o for o in offices if o.pk == profile.office_id)
    with_complaints = {o.pk for o in reports.offices_with_complaints()}
    return next((o for o in offices if o.pk in with_complaints), offices[0])


def report_view(model_admin, request):
    """The guideline's monthly report: tables, CSV download, A4 print in Bangla."""
    if not request.user.has_perm("grievances.view_grievance"):
        raise PermissionDenied
    offices = offices_for(request.user)
    if not offices:
        raise PermissionDenied
    last_month = reports.month_start(timezone.localdate()) - datetime.timedelta(days=1)
    data = request.GET if "month" in request.GET else None
    form = ReportForm(
        data,
        offices=offices,
        initial={
            "month": last_month.strftime("%Y-%m"),
            "office": _default_office(request.user, offices),
        },
    )
    report = None
    if data is None:
        report = reports.monthly_report(
            office=form.initial["office"], month=reports.month_start(last_month)
        )
    elif form.is_valid():
        report = reports.monthly_report(
            office=form.cleaned_data["office"], month=form.cleaned_data["month"]
        )
    if report is not None and request.GET.get("format") == "csv":
        return report_csv_response(report)
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.opts,
        "title": gettext("Monthly GRS report"),
        "form": form,
        "report": report,
        "query": request.GET.urlencode() if data is not None else "",
    }
    if report is not None and request.GET.get("print"):
        # The printed report goes to the superior office in Bangla, whatever the admin shows.
        with translation.override(request.GET.get("lang", "bn")):
            return render(request, "grievances/report_print.html", context)
    return TemplateResponse(request, "admin/grievances/grievance/report.html", context)


def _number(value) -> str:
    return "" if value is None else str(value)


def report_csv_rows(report: reports.MonthlyReport) -> list[list[str]]:
    header = [
        gettext("Tier"),
        gettext("Service"),
        gettext("Carried over"),
        gettext("Received: web form"),
        gettext("Received: API"),
        gettext("Received: entered by staff"),
        gettext("Received"),
        gettext("Total"),
        gettext("Disposed"),
        gettext("Moved up a tier"),
        gettext("Pending within the time limit"),
        gettext("Pending beyond the time limit"),
        gettext("Disposal rate (%)"),
        gettext("Median working days to disposal"),
        gettext("Rated disposals"),
        gettext("Satisfied (%)"),
    ]

    def line(tier_label, service_label, row):
        return [
            tier_label,
            service_label,
            *(
                _number(value)
                for value in (
                    row.carried_over,
                    row.received_web,
                    row.received_api,
                    row.received_staff,
                    row.received,
                    row.total,
                    row.disposed,
                    row.moved_up,
                    row.pending_within,
                    row.pending_beyond,
                    row.disposal_rate,
                    row.median_working_days,
                    row.rated,
                    row.satisfied_share,
                )
            ),
        ]

    rows = [header]
    for section in report.tiers:
        for row in section.rows:
            service = str(row.service) if row.service else gettext("Other or not named")
            rows.append(line(section.label, service, row))
        rows.append(line(section.label, gettext("All services"), section.total))
    rows.append(line(gettext("All tiers"), gettext("All services"), report.total))
    return rows


def report_csv_response(report: reports.MonthlyReport) -> HttpResponse:
    buffer = io.StringIO()
    buffer.write("\ufeff")  # a BOM, so that Excel reads the Bangla as UTF-8
    csv.writer(buffer).writerows(report_csv_rows(report))
    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    filename = f"grs-report-{report.office.pk}-{report.month:%Y-%m}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


# ---------------------------------------------------------------------------- offline


OFFLINE_CHANNELS = [
    (Grievance.Channel.POST, Grievance.Channel.POST.label),
    (Grievance.Channel.PHONE, Grievance.Channel.PHONE.label),
    (Grievance.Channel.DESK, Grievance.Channel.DESK.label),
]


class OfflineComplaintForm(ComplaintForm):
    """The complaint form as staff fill it in for a letter, a call or a visit."""

    channel = forms.ChoiceField(
        label=_("Received"), choices=OFFLINE_CHANNELS, widget=forms.RadioSelect
    )
    received_on = forms.DateField(
        label=_("Date of receipt"),
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("The day the office received it: the deadline counts from this day."),
    )
    received_time = forms.TimeField(
        label=_("Time of receipt (optional)"),
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}),
    )
    language = forms.ChoiceField(
        label=_("Messages to the complainant in"),
        choices=[("bn", _("Bangla")), ("en", _("English"))],
        initial="bn",
    )

    parts = [
        (_("Receipt"), ["channel", "received_on", "received_time", "language"]),
        *ComplaintForm.parts,
    ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["website"]  # no honeypot: staff are signed in

    def clean_received_on(self):
        received_on = self.cleaned_data["received_on"]
        if received_on > self.today:
            raise ValidationError(_("The date of receipt cannot be in the future."))
        if received_on < self.today - OFFLINE_MAX_AGE:
            raise ValidationError(
                _("The date of receipt cannot be more than a year ago."), code="too_old"
            )
        return received_on

    def clean(self):
        received_on = self.cleaned_data.get("received_on")
        if received_on:
            # The service's own time limit is judged on the day the complaint arrived.
            self.today = received_on
        data = super().clean()
        received_at = self.received_at(data)
        if received_at and received_at > timezone.now():
            self.add_error("received_time", _("The time of receipt cannot be in the future."))
        return data

    def received_at(self, data) -> datetime.datetime | None:
        received_on = data.get("received_on")
        if received_on is None:
            return None
        moment = data.get("received_time")
        if moment is None:
            if received_on == timezone.localdate():
                return timezone.now()
            moment = datetime.time(10, 0)  # office hours, when no time was noted
        return timezone.make_aware(
            datetime.datetime.combine(received_on, moment), timezone.get_default_timezone()
        )


def entry_office(user) -> Office:
    """The office for which ``user`` records complaints: their own (the charter's for a
    superuser without one)."""
    profile = StaffProfile.objects.select_related("office", "officer__office").filter(user=user)
    profile = profile.first()
    if profile and (profile.office or profile.officer):
        return profile.office or profile.officer.office
    if user.is_superuser:
        from services.charter import current_charter

        charter = current_charter()
        if charter is not None:
            return charter.office
    raise PermissionDenied


def offline_complaint_view(model_admin, request):
    """Record a complaint that came by post, by phone or at the desk, dated when it came."""
    if not request.user.has_perm("grievances.add_grievance"):
        raise PermissionDenied
    office = entry_office(request.user)
    charter = getattr(office, "charter", None)
    if charter is None:
        raise PermissionDenied
    today = calendar.today()
    form = OfflineComplaintForm(
        request.POST or None, request.FILES or None, charter=charter, today=today
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            grievance = workflow.submit(
                office=office,
                **form.complaint(),
                channel=data["channel"],
                language=data["language"],
                actor=request.user,
                now=form.received_at(data),
            )
        except workflow.WorkflowError as error:
            form.add_error(None, error.message)
        else:
            model_admin.message_user(
                request,
                gettext("Recorded as %(number)s; to be disposed by %(deadline)s.")
                % {"number": grievance.tracking_number, "deadline": grievance.deadline},
                messages.SUCCESS,
            )
            return redirect("admin:grievances_grievance_change", grievance.pk)
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.opts,
        "title": gettext("Record a complaint received by post, by phone or at the desk"),
        "form": form,
        "office": office,
    }
    return TemplateResponse(request, "admin/grievances/grievance/offline.html", context)
