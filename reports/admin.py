"""The monthly report in admin, beside the complaint list.

The report's URL is added to the complaint admin here, so that ``grievances`` never imports
``reports``. The view checks its own permission, and staff other than superusers see only
their own office and those under it.
"""

import csv
import datetime
import io

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import render
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone, translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.text import spreadsheet_safe
from grievances.access import offices_for
from grievances.admin import GrievanceAdmin
from grievances.models import Grievance, StaffProfile
from services import scoping
from services.models import Office

from . import figures


class ReportForm(forms.Form):
    month = forms.CharField(
        label=_("Month"),
        widget=forms.DateInput(attrs={"type": "month"}, format="%Y-%m"),
        help_text=_("For example 2025-03."),
    )
    office = forms.ModelChoiceField(label=_("Office"), queryset=Office.objects.none())
    including_below = forms.BooleanField(
        label=_("With the offices under it"),
        required=False,
        help_text=_("The office's figures together with those of every office under it."),
    )

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
    mine = scoping.office_ids_of(user) or set()
    post = StaffProfile.objects.filter(user=user).values_list("officer__office_id", flat=True)
    mine |= {office_id for office_id in post if office_id is not None}
    own = [office for office in offices if office.pk in mine]
    if own:
        return own[0]  # the highest of their own offices
    with_complaints = {o.pk for o in figures.offices_with_complaints()}
    return next((o for o in offices if o.pk in with_complaints), offices[0])


def report_view(model_admin, request):
    """The guideline's monthly report: tables, CSV download, A4 print in Bangla."""
    if not request.user.has_perm("grievances.view_grievance"):
        raise PermissionDenied
    offices = offices_for(request.user)
    if not offices:
        raise PermissionDenied
    last_month = figures.month_start(timezone.localdate()) - datetime.timedelta(days=1)
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
        report = figures.monthly_report(
            office=form.initial["office"], month=figures.month_start(last_month)
        )
    elif form.is_valid():
        report = figures.monthly_report(
            office=form.cleaned_data["office"],
            month=form.cleaned_data["month"],
            including_below=form.cleaned_data["including_below"],
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
            return render(request, "reports/report_print.html", context)
    return TemplateResponse(request, "admin/grievances/grievance/report.html", context)


def _number(value) -> str:
    return "" if value is None else str(value)


def report_csv_rows(report: figures.MonthlyReport) -> list[list[str]]:
    """The CSV's cells, each through ``spreadsheet_safe``: a service's name is typed in
    admin and must not run as a formula in the spreadsheet of whoever opens the report."""
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
        gettext("At the Cabinet Division cell"),
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
                    row.with_cell,
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
            if row.office is not None:  # a roll-up: whose service
                service = f"{row.office}: {service}"
            rows.append(line(section.label, service, row))
        rows.append(line(section.label, gettext("All services"), section.total))
    rows.append(line(gettext("All tiers"), gettext("All services"), report.total))
    return [[spreadsheet_safe(cell) for cell in row] for row in rows]


def report_csv_response(report: figures.MonthlyReport) -> HttpResponse:
    buffer = io.StringIO()
    buffer.write("\ufeff")  # a BOM, so that Excel reads the Bangla as UTF-8
    csv.writer(buffer).writerows(report_csv_rows(report))
    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    below = "-with-offices-below" if report.including_below else ""
    filename = f"grs-report-{report.office.pk}{below}-{report.month:%Y-%m}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


class GrievanceWithReportAdmin(GrievanceAdmin):
    def get_urls(self):
        report = path(
            "report/",
            self.admin_site.admin_view(lambda request: report_view(self, request)),
            name="grievances_grievance_report",
        )
        return [report, *super().get_urls()]


admin.site.unregister(Grievance)
admin.site.register(Grievance, GrievanceWithReportAdmin)
