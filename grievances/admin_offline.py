"""Recording a complaint that came by post, by phone or at the front desk (staff only).

Its URL hangs off the complaint admin (``GrievanceAdmin.get_urls``).
"""

import datetime

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from services.charter import current_charter
from services.models import Office

from . import calendar, workflow
from .forms import ComplaintForm
from .models import Grievance, StaffProfile

# How far back staff may date a complaint that came by post, by phone or at the desk.
OFFLINE_MAX_AGE = datetime.timedelta(days=365)


OFFLINE_CHANNELS = [
    (Grievance.Channel.POST, Grievance.Channel.POST.label),
    (Grievance.Channel.PHONE, Grievance.Channel.PHONE.label),
    (Grievance.Channel.DESK, Grievance.Channel.DESK.label),
]


class OfflineComplaintForm(ComplaintForm):
    """The complaint form as staff fill it in for a letter, a call or a visit."""

    relayed = True  # staff record what the complainant gave (ComplaintForm)

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

    def date_of_receipt(self) -> datetime.date:
        # The service's own time limit is judged on the day the complaint arrived (as
        # workflow.submit does with ``now=received_at``), not on the day it is entered.
        return self.cleaned_data.get("received_on") or self.today

    def clean(self):
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
    """The office for which ``user`` records complaints: the first office they belong to
    (by level and name), else the office of the post they hold (the charter's for a
    superuser with neither)."""
    own = Office.objects.filter(staff_memberships__user=user).order_by("level", "name").first()
    if own is not None:
        return own
    profile = StaffProfile.objects.select_related("officer__office").filter(user=user).first()
    if profile and profile.officer:
        return profile.officer.office
    if user.is_superuser:
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
        except workflow.IneligibleComplaint as error:
            form.add_ineligibility(error)
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
