"""Case handling for officers: each sees the cases at its tier and office, and acts on them
through the workflow functions (never by editing fields)."""

import datetime
import threading

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from modeltranslation.admin import TranslationAdmin

from services.models import Office

from . import calendar, workflow
from .access import visible_grievances
from .admin_offline import offline_complaint_view
from .models import (
    Attachment,
    Grievance,
    Holiday,
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


@admin.register(StaffProfile)
class StaffProfileAdmin(admin.ModelAdmin):
    list_display = ["user", "officer", "office"]
    list_select_related = ["user", "officer", "office"]
    autocomplete_fields = ["user"]
    search_fields = ["user__username", "user__first_name", "user__last_name"]


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
        "kind",
        "actor_label",
        "from_status",
        "to_status",
        "from_tier",
        "to_tier",
        "public_note",
        "internal_note",
    ]
    readonly_fields = fields
    ordering = ["created_at", "pk"]


class RatingInline(ReadOnlyInline):
    model = Rating
    fields = ["tier", "satisfied", "comment", "created_at"]
    readonly_fields = fields


class DeadlineFilter(admin.SimpleListFilter):
    title = _("deadline")
    parameter_name = "due"

    def lookups(self, request, model_admin):
        return [
            ("overdue", _("Overdue")),
            ("soon", _("Due within 5 working days")),
            ("on_time", _("On time")),
        ]

    def queryset(self, request, queryset):
        today = timezone.localdate()
        if self.value() == "overdue":
            return queryset.overdue(today)
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


class HearingForm(NoteForm):
    held_on = forms.DateField(label=_("Held on"), widget=forms.DateInput(attrs={"type": "date"}))
    note = forms.CharField(label=_("Record of the hearing"), widget=forms.Textarea)


class ForwardForm(NoteForm):
    to_office = forms.ModelChoiceField(label=_("Forward to"), queryset=Office.objects.all())


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
        _("Information received"),
        NoteForm,
        workflow.receive_information,
    ),
    Step.RECORD_HEARING: (_("Record hearing"), HearingForm, workflow.record_hearing),
    Step.ORDER_INVESTIGATION: (
        _("Order investigation (+10 working days)"),
        NoteForm,
        workflow.order_investigation,
    ),
    Step.FORWARD: (_("Forward to another office"), ForwardForm, workflow.forward),
    Step.DISPOSE: (_("Dispose with decision"), DisposeForm, workflow.dispose),
    Step.CLOSE: (_("Close"), NoteForm, workflow.close),
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
        "service",
        "complaint_type",
        "channel",
        "many_from_same_mobile",
    ]
    search_fields = ["tracking_number", "mobile"]
    list_select_related = ["service"]
    date_hierarchy = "received_at"
    inlines = [AttachmentInline, TimelineInline, RatingInline]

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
                    ("decision", "disposed_at", "closed_at"),
                ]
            },
        ),
        (
            _("The complaint"),
            {"fields": ["complaint_type", "subject", "description"]},
        ),
        (
            _("The complainant"),
            {
                "fields": [
                    "is_anonymous",
                    "name",
                    ("id_type", "id_number"),
                    "permanent_address",
                    "present_address",
                    ("mobile", "email"),
                    "many_from_same_mobile",
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

    @admin.display(description=_("working days left"))
    def working_days_left(self, grievance):
        if not grievance.is_open:
            return "–"
        today = getattr(_local, "today", None) or timezone.localdate()
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
        form = form_class(request.POST or None)
        if step == Step.FORWARD:
            form.fields["to_office"].queryset = Office.objects.exclude(pk=grievance.office_id)
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


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin):
    """For superusers: see what went out and what keeps failing."""

    list_display = ["created_at", "channel", "status", "attempts", "next_attempt_at", "sent_at"]
    list_filter = ["status", "channel"]
    readonly_fields = [field.name for field in OutboxMessage._meta.fields]

    def has_add_permission(self, request):
        return False
