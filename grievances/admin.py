"""Case handling for officers: each sees the cases at its tier and office, and acts on them
through the workflow functions (never by editing fields)."""

import datetime
import threading

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.widgets import FilteredSelectMultiple
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from modeltranslation.admin import TranslationAdmin

from core.templatetags.local_format import local_date
from services.models import Office, StaffMembership

from . import blacklist, calendar, holiday_calendar, workflow
from .access import visible_grievances
from .admin_offline import offline_complaint_view
from .attachments import clean_upload
from .forms import PaperAppealForm
from .models import (
    Appeal,
    Attachment,
    BlacklistRecord,
    Grievance,
    Hearing,
    Holiday,
    Investigation,
    OutboxMessage,
    Rating,
    StaffProfile,
    TimelineEntry,
)
from .text import normalise_digits, normalise_mobile


@admin.register(Holiday)
class HolidayAdmin(TranslationAdmin):
    list_display = ["date", "name"]
    date_hierarchy = "date"
    search_fields = ["name_bn", "name_en"]
    actions = ["confirm_calendar"]

    def changelist_view(self, request, extra_context=None):
        # Until a holiday editor has checked a year's table against the government's list,
        # deadlines may count an undated holiday (Buddha Purnima, Janmashtami...) as work.
        if request.method == "GET":
            for year in holiday_calendar.unconfirmed_years(timezone.localdate()):
                undated = holiday_calendar.package_report(year).undated
                self.message_user(
                    request,
                    _(
                        "The holiday calendar for %(year)s has not been confirmed. Check it "
                        "against the government's holiday list (the lunar dates, and %(missing)s, "
                        "which are not filled in automatically), then select any holiday of "
                        "%(year)s and run “Confirm the holiday calendar”."
                    )
                    % {
                        "year": year,
                        "missing": ", ".join(holiday.name_bn for holiday in undated),
                    },
                    messages.WARNING,
                )
        return super().changelist_view(request, extra_context)

    @admin.action(
        description=_("Confirm the holiday calendar of the selected holidays' years"),
        permissions=["change"],
    )
    def confirm_calendar(self, request, queryset):
        years = {day.year for day in queryset.values_list("date", flat=True)}
        done = holiday_calendar.confirm(years=years, user=request.user)
        self.message_user(
            request,
            _("Holiday calendar confirmed for: %(years)s.")
            % {"years": ", ".join(str(year) for year in done) or "–"},
            messages.SUCCESS,
        )


class SuperuserOnly:
    """Only superusers see or change these records."""

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return self.has_module_permission(request)

    def has_add_permission(self, request, *args):
        return self.has_module_permission(request)

    def has_change_permission(self, request, obj=None):
        return self.has_module_permission(request)

    def has_delete_permission(self, request, obj=None):
        return self.has_module_permission(request)


class StaffProfileForm(forms.ModelForm):
    offices = forms.ModelMultipleChoiceField(
        label=_("offices"),
        queryset=Office.objects.order_by("level", "name"),
        required=False,
        widget=FilteredSelectMultiple(_("offices"), is_stacked=False),
        help_text=_(
            "The offices this user belongs to: a charter editor edits their charters, and "
            "everyone sees their reports and those of the offices under them."
        ),
    )

    class Meta:
        model = StaffProfile
        fields = ["user", "officer", "offices"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["offices"].initial = list(self.instance.offices)


@admin.register(StaffProfile)
class StaffProfileAdmin(SuperuserOnly, admin.ModelAdmin):
    """Who holds which post and belongs to which offices: it decides who sees whose
    complaints and charters, so only superusers edit it (a user who could edit it could
    give themselves any office)."""

    form = StaffProfileForm
    list_display = ["user", "officer", "office_list"]
    list_select_related = ["user", "officer"]
    autocomplete_fields = ["user", "officer"]
    search_fields = ["user__username", "user__first_name", "user__last_name"]

    def get_queryset(self, request):
        memberships = "user__office_memberships__office"
        return super().get_queryset(request).prefetch_related(memberships)

    @admin.display(description=_("offices"))
    def office_list(self, profile):
        return ", ".join(str(m.office) for m in profile.user.office_memberships.all())

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        user = form.instance.user
        offices = set(form.cleaned_data["offices"])
        StaffMembership.objects.filter(user=user).exclude(office__in=offices).delete()
        for office in offices:
            StaffMembership.objects.get_or_create(user=user, office=office)


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class AttachmentInline(ReadOnlyInline):
    model = Attachment
    fields = ["download", "content_type", "size", "uploaded_at"]
    readonly_fields = fields

    @admin.display(description=_("file"))
    def download(self, attachment):
        url = reverse(
            "admin:grievances_grievance_attachment", args=[attachment.grievance_id, attachment.pk]
        )
        return format_html('<a href="{}">{}</a>', url, attachment.original_name)


class TimelineInline(ReadOnlyInline):
    model = TimelineEntry
    fields = [
        "created_at",
        "effective_on",
        "kind",
        "actor_label",
        "from_status",
        "to_status",
        "from_tier",
        "to_tier",
        "deadline",
        "public_note",
        "internal_note",
    ]
    readonly_fields = fields
    ordering = ["created_at", "pk"]


class RatingInline(ReadOnlyInline):
    model = Rating
    fields = ["tier", "satisfied", "comment", "created_at"]
    readonly_fields = fields


class HearingInline(ReadOnlyInline):
    model = Hearing
    fk_name = "grievance"
    fields = ["starts_at", "place", "summoned", "tier", "held"]
    readonly_fields = fields

    @admin.display(description=_("held"), boolean=True)
    def held(self, hearing):
        return hearing.outcome_entry_id is not None


class InvestigationInline(ReadOnlyInline):
    model = Investigation
    fk_name = "grievance"
    fields = ["investigating_officer", "due_on", "report_received"]
    readonly_fields = fields

    @admin.display(description=_("report"), boolean=True)
    def report_received(self, investigation):
        return investigation.report_id is not None


class AppealInline(ReadOnlyInline):
    model = Appeal
    fields = [
        "received_on",
        "channel",
        "from_tier",
        "appellant_role",
        "appellant_name",
        "appellant_address",
        "appellant_mobile",
        "disposed_on",
        "decision_appealed",
        "grounds",
    ]
    readonly_fields = fields


class DeadlineFilter(admin.SimpleListFilter):
    title = _("deadline")
    parameter_name = "due"

    def lookups(self, request, model_admin):
        return [
            ("overdue", _("Overdue")),
            ("soon", _("Due within 5 working days")),
            ("on_time", _("On time")),
            ("paused", _("Paused: waiting for the complainant's information")),
        ]

    def queryset(self, request, queryset):
        today = timezone.localdate()
        if self.value() == "overdue":
            return queryset.overdue(today)
        if self.value() == "paused":
            return queryset.paused(today)
        if self.value() == "soon":
            return queryset.open().filter(
                deadline__gte=today, deadline__lte=calendar.add_working_days(today, 5)
            )
        if self.value() == "on_time":
            return queryset.open().filter(deadline__gte=today)
        return queryset


class NoteForm(forms.Form):
    note = forms.CharField(label=_("Internal note"), widget=forms.Textarea, required=False)


class QuestionForm(forms.Form):
    question = forms.CharField(
        label=_("Question for the complainant"),
        widget=forms.Textarea,
        help_text=_("The complainant sees this on the tracking page and by SMS."),
    )
    reply_days = forms.IntegerField(
        label=_("Working days to reply"),
        initial=workflow.REPLY_WORKING_DAYS,
        min_value=1,
        max_value=workflow.MAX_REPLY_WORKING_DAYS,
        help_text=_(
            "The time limit pauses until the complainant answers, at most until this reply "
            "deadline; after it the complaint may be closed for want of information."
        ),
    )


class PaperReplyForm(NoteForm):
    reply = forms.CharField(
        label=_("The complainant's reply"),
        widget=forms.Textarea,
        help_text=_(
            "What the reply received on paper, by hand or by phone says; the complainant "
            "sees it on the tracking page."
        ),
    )
    received_on = forms.DateField(
        label=_("Received on"),
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("The time limit runs again from this day."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["received_on"].initial = timezone.localdate()


class CellDecisionForm(NoteForm):
    decision = forms.CharField(
        label=_("The cell's decision"),
        widget=forms.Textarea,
        help_text=_("As the Cabinet Division's grievance management cell sent it."),
    )
    decided_on = forms.DateField(
        label=_("Date of the decision"), widget=forms.DateInput(attrs={"type": "date"})
    )


class InformedForm(forms.Form):
    note = forms.CharField(
        label=_("How and when was the complainant told?"),
        widget=forms.Textarea,
        help_text=_("For example: phoned on 5 March and read out the decision."),
    )


class HearingForm(NoteForm):
    held_on = forms.DateField(label=_("Held on"), widget=forms.DateInput(attrs={"type": "date"}))
    note = forms.CharField(label=_("Record of the hearing"), widget=forms.Textarea)


class ScheduleHearingForm(NoteForm):
    hearing_date = forms.DateField(
        label=_("Date of the hearing"), widget=forms.DateInput(attrs={"type": "date"})
    )
    hearing_time = forms.TimeField(
        label=_("Time"), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    place = forms.CharField(label=_("Place"), max_length=300)
    summoned = forms.CharField(
        label=_("Summoned"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "Who is to come: the complainant, the officer complained against, witnesses. The "
            "complainant is sent this notice by SMS and e-mail and sees it on the tracking page."
        ),
    )


class InvestigationForm(NoteForm):
    investigating_officer = forms.CharField(
        label=_("Investigating officer (name and designation)"), max_length=300
    )
    due_on = forms.DateField(
        label=_("Report due on"), widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        latest = workflow.latest_investigation_due(today=timezone.localdate())
        self.fields["due_on"].help_text = _(
            "At most %(days)s working days from today: by %(date)s."
        ) % {"days": workflow.INVESTIGATION_MAX_WORKING_DAYS, "date": local_date(latest)}


class InvestigationReportForm(NoteForm):
    report = forms.FileField(
        label=_("Investigation report"),
        help_text=_("A PDF, JPEG or PNG file of at most 5 MB."),
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png"}),
    )

    def clean_report(self):
        return clean_upload(self.cleaned_data["report"])


class DeclineForm(NoteForm):
    reason = forms.CharField(
        label=_("Reason for declining"),
        widget=forms.Textarea,
        help_text=_(
            "The complainant is told this reason and may appeal against it like any decision."
        ),
    )


class ProposeBlacklistingForm(forms.Form):
    mobile = forms.BooleanField(label=_("The complainant's mobile number"), required=False)
    id_number = forms.BooleanField(label=_("The complainant's ID number"), required=False)
    reason = forms.CharField(
        label=_("Reason"),
        widget=forms.Textarea,
        help_text=_(
            "Which complaints from this number were false or harassing (guideline §8). The "
            "appeal officer decides; complaints from a confirmed number are still received, "
            "marked for you, and you may decline them."
        ),
    )


class ForwardForm(NoteForm):
    # The case's offices to choose from: workflow.offices_to_forward_to, set by the view.
    to_office = forms.ModelChoiceField(
        label=_("Forward to"),
        queryset=Office.objects.none(),
        help_text=_(
            "Offices with a published grievance redress table, their own or that of an "
            "office above them. Their officer for this tier receives the case with its "
            "whole history, and the time limit starts again on the day it is forwarded."
        ),
    )


class DisposeForm(NoteForm):
    decision = forms.CharField(
        label=_("Decision"),
        widget=forms.Textarea,
        help_text=_("The complainant is told this decision."),
    )


Step = workflow.Step

# Each officer's step -> (button label, form, workflow function); the form's cleaned data are
# the function's other keyword arguments. Which of them a case allows is
# workflow.available_steps's to say.
ACTIONS = {
    Step.START: (_("Start work"), NoteForm, workflow.start),
    Step.REQUEST_INFORMATION: (
        _("Request information"),
        QuestionForm,
        workflow.request_information,
    ),
    Step.RECEIVE_INFORMATION: (
        _("Reply received on paper"),
        PaperReplyForm,
        workflow.receive_information,
    ),
    Step.CLOSE_FOR_WANT_OF_INFORMATION: (
        _("Close for want of information"),
        NoteForm,
        workflow.close_for_want_of_information,
    ),
    Step.RECORD_CELL_DECISION: (
        _("Record the Cabinet Division cell's decision"),
        CellDecisionForm,
        workflow.record_cell_decision,
    ),
    Step.RECORD_COMPLAINANT_INFORMED: (
        _("Complainant informed another way"),
        InformedForm,
        workflow.record_complainant_informed,
    ),
    Step.SCHEDULE_HEARING: (
        _("Schedule a hearing"),
        ScheduleHearingForm,
        workflow.schedule_hearing,
    ),
    Step.RECORD_HEARING: (_("Record hearing"), HearingForm, workflow.record_hearing),
    Step.ORDER_INVESTIGATION: (
        _("Order investigation (+10 working days)"),
        InvestigationForm,
        workflow.order_investigation,
    ),
    Step.RECORD_INVESTIGATION_REPORT: (
        _("Investigation report received"),
        InvestigationReportForm,
        workflow.record_investigation_report,
    ),
    Step.FORWARD: (_("Forward to another office"), ForwardForm, workflow.forward),
    Step.DISPOSE: (_("Dispose with decision"), DisposeForm, workflow.dispose),
    Step.DECLINE: (_("Decline the complaint"), DeclineForm, workflow.decline),
    Step.CLOSE: (_("Close"), NoteForm, workflow.close),
    Step.ENTER_APPEAL: (
        _("Enter an appeal received on paper"),
        PaperAppealForm,
        workflow.enter_appeal,
    ),
    Step.PROPOSE_BLACKLISTING: (
        _("Propose for the blacklist"),
        ProposeBlacklistingForm,
        workflow.propose_blacklisting,
    ),
}

_local = threading.local()


@admin.register(Grievance)
class GrievanceAdmin(admin.ModelAdmin):
    change_form_template = "admin/grievances/grievance/change_form.html"
    change_list_template = "admin/grievances/grievance/change_list.html"
    list_display = [
        "tracking_number",
        "tier",
        "status",
        "informed",
        "deadline",
        "working_days_left",
        "service",
        "complaint_type",
        "received_at",
    ]
    list_filter = [
        "tier",
        "status",
        DeadlineFilter,
        ("service", admin.RelatedOnlyFieldListFilter),
        "complaint_type",
        "channel",
        "many_from_same_mobile",
        "blacklisted",
        "complainant_not_informed",
    ]
    search_fields = ["tracking_number", "mobile"]
    list_select_related = ["service"]
    date_hierarchy = "received_at"
    inlines = [
        AttachmentInline,
        TimelineInline,
        HearingInline,
        InvestigationInline,
        AppealInline,
        RatingInline,
    ]

    class Media:
        css = {"all": ["grievances/admin.css"]}

    fieldsets = [
        (
            _("Case"),
            {
                "fields": [
                    "tracking_number",
                    ("tier", "status"),
                    ("handling_officer", "office"),
                    ("tier_started_on", "deadline", "investigation_ordered"),
                    ("received_at", "channel", "language"),
                    ("decision", "disposal_kind", "disposed_at", "closed_at"),
                    ("information_due", "paused_on", "working_days_left_when_paused"),
                    ("complainant_not_informed", "decision_notice_due"),
                ]
            },
        ),
        (
            _("The complaint"),
            {
                "fields": [
                    "complaint_type",
                    "subject",
                    "description",
                    "remedy_sought",
                    "prevention",
                    "declaration",
                ]
            },
        ),
        (
            _("The complainant"),
            {
                "fields": [
                    "blacklisted",
                    "is_anonymous",
                    "name",
                    ("recipient_name", "recipient_relation"),
                    ("id_type", "id_number"),
                    ("date_of_birth", "gender", "education", "occupation"),
                    "permanent_address",
                    "present_address",
                    ("mobile", "email"),
                    "many_from_same_mobile",
                    ("complaining_office", "writing_officer"),
                    "complaining_office_address",
                ]
            },
        ),
        (
            _("The service"),
            {
                "fields": [
                    ("service", "other_service"),
                    ("service_applied_on", "service_tracking_number", "office_has_decided"),
                ]
            },
        ),
    ]

    def get_readonly_fields(self, request, obj=None):
        # Every change goes through the workflow actions, never through the form.
        return [field.name for field in Grievance._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return visible_grievances(request.user, super().get_queryset(request))

    def changelist_view(self, request, extra_context=None):
        # The list's "working days left" column builds one holiday calendar per page view.
        _local.today, _local.calendar = timezone.localdate(), None
        return super().changelist_view(request, extra_context)

    def _working_calendar(self):
        if getattr(_local, "calendar", None) is None:
            today = getattr(_local, "today", None) or timezone.localdate()
            _local.calendar = calendar.calendar_for(
                today - datetime.timedelta(days=400), today + datetime.timedelta(days=400)
            )
        return _local.calendar

    def get_search_results(self, request, queryset, search_term):
        term = normalise_digits(search_term).upper()
        term = normalise_mobile(term) or term
        return super().get_search_results(request, queryset, term)

    @admin.display(description=_("complainant informed"))
    def informed(self, grievance):
        """A message to the complainant failed for good, or no message about the decision
        reached them within 7 working days (``workflow.check_decision_notices``)."""
        if grievance.complainant_not_informed:
            return format_html(
                '<strong class="grs-overdue">{}</strong>', _("complainant not informed")
            )
        return ""

    @admin.display(description=_("working days left"))
    def working_days_left(self, grievance):
        today = getattr(_local, "today", None) or timezone.localdate()
        if grievance.status == Grievance.Status.CABINET_CELL:
            return _("with the Cabinet Division cell")
        if grievance.is_paused(today):
            return _("paused (%(days)s left)") % {"days": grievance.working_days_left_when_paused}
        if not grievance.is_open:
            return "–"
        left = self._working_calendar().working_days_between(today, grievance.deadline)
        if grievance.deadline < today:
            return format_html(
                '<strong class="grs-overdue">{}</strong>',
                _("overdue by %(days)s") % {"days": -left},
            )
        return left

    def get_urls(self):
        return [
            path(
                "offline/",
                self.admin_site.admin_view(lambda request: offline_complaint_view(self, request)),
                name="grievances_grievance_offline",
            ),
            path(
                "<path:object_id>/act/<str:action>/",
                self.admin_site.admin_view(self.action_view),
                name="grievances_grievance_act",
            ),
            path(
                "<path:object_id>/attachment/<int:attachment_id>/",
                self.admin_site.admin_view(self.attachment_view),
                name="grievances_grievance_attachment",
            ),
        ] + super().get_urls()

    def _visible_case(self, request, object_id) -> Grievance:
        if not self.has_view_permission(request):
            raise PermissionDenied
        return get_object_or_404(self.get_queryset(request), pk=object_id)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = extra_context or {}
        grievance = self.get_queryset(request).filter(pk=object_id).first()
        if grievance is not None and grievance.blacklisted and request.method == "GET":
            self.message_user(
                request,
                _(
                    "This complaint comes from a mobile number or ID the appeal officer has "
                    "put on the blacklist for false or harassing complaints (guideline §8). "
                    "It has been received; you may decline it with a reason."
                ),
                messages.WARNING,
            )
        if grievance is not None and self.has_change_permission(request, grievance):
            allowed = workflow.available_steps(grievance, today=timezone.localdate())
            extra_context["grs_actions"] = [
                (str(step), label)
                for step, (label, _form, _function) in ACTIONS.items()
                if step in allowed
            ]
        return super().change_view(request, object_id, form_url, extra_context)

    def action_view(self, request, object_id, action):
        grievance = self._visible_case(request, object_id)
        if action not in ACTIONS:
            raise Http404
        if not self.has_change_permission(request, grievance):
            raise PermissionDenied
        step = Step(action)
        label, form_class, function = ACTIONS[step]
        form = form_class(request.POST or None, request.FILES or None)
        if step == Step.FORWARD:
            form.fields["to_office"].queryset = workflow.offices_to_forward_to(grievance)
        # A step the case does not allow now has no button on the case page; if asked for
        # anyway, say why instead of showing the form. (The workflow checks again, under a
        # row lock, when the step is taken.)
        today = timezone.localdate()
        refusal = None
        if step not in workflow.available_steps(grievance, today=today):
            refusal = workflow.why_unavailable(grievance, step)
        if request.method == "POST" and refusal is not None:
            form.is_valid()
            form.add_error(None, refusal)
        elif request.method == "POST" and form.is_valid():
            try:
                function(grievance=grievance, actor=request.user, **form.cleaned_data)
            except workflow.WorkflowError as error:
                form.add_error(None, error.message)
            else:
                self.message_user(
                    request, _("Done: %(action)s") % {"action": label}, messages.SUCCESS
                )
                return redirect("admin:grievances_grievance_change", grievance.pk)
        context = {
            **self.admin_site.each_context(request),
            "title": f"{label}: {grievance.tracking_number}",
            "grievance": grievance,
            "form": form,
            "opts": self.opts,
            "action_label": label,
            "refusal": refusal,
        }
        return TemplateResponse(request, "admin/grievances/grievance/action.html", context)

    def attachment_view(self, request, object_id, attachment_id):
        grievance = self._visible_case(request, object_id)
        attachment = get_object_or_404(Attachment, pk=attachment_id, grievance=grievance)
        extension = attachment.file.name.rsplit(".", 1)[-1]
        response = FileResponse(
            attachment.file.open("rb"),
            content_type=attachment.content_type,
            as_attachment=True,
            filename=f"{grievance.tracking_number}-{attachment.pk}.{extension}",
        )
        response["X-Content-Type-Options"] = "nosniff"
        response["Cache-Control"] = "private, no-store"
        return response


class BlacklistDecisionForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea, required=False)


@admin.register(BlacklistRecord)
class BlacklistRecordAdmin(admin.ModelAdmin):
    """Guideline §8's blacklist, step by step: the GROs' proposals and the appeal officers'
    decisions, never rewritten. The appeal officer confirms or turns down a proposal, and
    lifts a confirmed number, with the actions here; a GRO proposes from a case."""

    list_display = [
        "created_at",
        "identifier_type",
        "identifier",
        "action",
        "office",
        "case",
        "actor_label",
        "reason",
    ]
    list_filter = ["action", "identifier_type"]
    search_fields = ["identifier", "grievance__tracking_number"]
    list_select_related = ["office", "grievance"]
    actions = ["confirm", "reject", "lift"]

    def get_queryset(self, request):
        return blacklist.visible_records(request.user, super().get_queryset(request))

    def has_module_permission(self, request):
        user = request.user
        if not (user.is_active and user.is_staff):
            return False
        return user.is_superuser or user.groups.filter(name__in=["GRO", "appeal officer"]).exists()

    def has_view_permission(self, request, obj=None):
        return self.has_module_permission(request)

    def has_add_permission(self, request):
        return False  # proposals come from a case (the GRO's "Propose for the blacklist")

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_actions(self, request):
        # Django offers actions only to users with a permission they name; these are the
        # appeal officer's, whatever the model permissions say.
        if not blacklist.may_decide(request.user):
            return {}
        return {name: self.get_action(name) for name in self.actions}

    @admin.display(description=_("complaint"))
    def case(self, record):
        if record.grievance_id is None:
            return "–"
        return record.grievance.tracking_number

    def _decide(self, request, queryset, action: str, label):
        form = BlacklistDecisionForm(request.POST if "apply" in request.POST else None)
        if "apply" in request.POST and form.is_valid():
            done, refused = 0, []
            for record in queryset:
                try:
                    workflow.decide_blacklisting(
                        record=record,
                        action=action,
                        actor=request.user,
                        reason=form.cleaned_data["reason"],
                    )
                    done += 1
                except workflow.WorkflowError as error:
                    refused.append(str(error.message))
            if done:
                self.message_user(
                    request, _("Done: %(action)s (%(count)s)") % {"action": label, "count": done}
                )
            for message in refused:
                self.message_user(request, message, messages.ERROR)
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": label,
            "opts": self.opts,
            "records": queryset,
            "form": form,
            "action": request.POST.get("action", ""),
            "action_label": label,
            "selected": request.POST.getlist(admin.helpers.ACTION_CHECKBOX_NAME),
        }
        return TemplateResponse(request, "admin/grievances/blacklistrecord/decide.html", context)

    @admin.action(description=_("Confirm the proposals (appeal officer)"))
    def confirm(self, request, queryset):
        return self._decide(
            request, queryset, BlacklistRecord.Action.CONFIRMED, _("Confirm the proposals")
        )

    @admin.action(description=_("Turn the proposals down (appeal officer)"))
    def reject(self, request, queryset):
        return self._decide(
            request, queryset, BlacklistRecord.Action.REJECTED, _("Turn the proposals down")
        )

    @admin.action(description=_("Lift from the blacklist (appeal officer)"))
    def lift(self, request, queryset):
        return self._decide(
            request, queryset, BlacklistRecord.Action.LIFTED, _("Lift from the blacklist")
        )


@admin.register(OutboxMessage)
class OutboxMessageAdmin(SuperuserOnly, admin.ModelAdmin):
    """For superusers: see what went out and what keeps failing (the messages carry the
    complainants' mobile numbers and every office's cases)."""

    list_display = ["created_at", "channel", "status", "attempts", "next_attempt_at", "sent_at"]
    list_filter = ["status", "channel"]
    readonly_fields = [field.name for field in OutboxMessage._meta.fields]

    def has_add_permission(self, request):
        return False
