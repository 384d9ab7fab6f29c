import datetime

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from services.charter import published_services
from services.models import Service
from services.templatetags.charter_tags import local_date

from . import calendar
from .attachments import clean_upload
from .models import Grievance
from .text import normalise_digits, normalise_mobile, normalise_tracking_number
from .workflow import MAX_ATTACHMENTS

REQUIRED = _("This field is required.")


class MobileField(forms.CharField):
    default_error_messages = {
        "invalid": _(
            "Enter a Bangladesh mobile number: 11 digits starting with 013 to 019, "
            "for example 01712345678."
        )
    }

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 20)
        super().__init__(**kwargs)
        self.widget.input_type = "tel"
        self.widget.attrs.update({"autocomplete": "tel", "inputmode": "tel"})

    def clean(self, value):
        value = super().clean(value)
        if not value:
            return ""
        mobile = normalise_mobile(value)
        if mobile is None:
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        return mobile


class LocalDateField(forms.DateField):
    """A date typed with Bangla or ASCII digits, as 2025-01-31 or 31/01/2025."""

    input_formats = ["%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y"]

    def to_python(self, value):
        if isinstance(value, str):
            value = normalise_digits(value)
        return super().to_python(value)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ".jpg,.jpeg,.png,.pdf"}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if isinstance(data, list | tuple):
            return [super(MultipleFileField, self).clean(item, initial) for item in data if item]
        return [super().clean(data, initial)] if data else []


class ComplaintForm(forms.Form):
    """The guideline's complaint form, in its three parts."""

    complaint_type = forms.ChoiceField(
        label=_("Type of complaint"),
        choices=Grievance.ComplaintType.choices,
        initial=Grievance.ComplaintType.CITIZEN,
        widget=forms.RadioSelect,
    )
    subject = forms.CharField(label=_("Subject"), max_length=200)
    description = forms.CharField(
        label=_("Description"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("What happened, when, and what you want the office to do."),
    )
    attachments = MultipleFileField(
        label=_("Attachments"),
        required=False,
        help_text=_("Up to 3 files: JPEG, PNG or PDF, at most 5 MB each."),
    )

    is_anonymous = forms.BooleanField(
        label=_("Complain anonymously"),
        required=False,
        help_text=_(
            "You will get no messages and cannot follow the complaint, "
            "and the officer may decline an anonymous complaint."
        ),
    )
    name = forms.CharField(label=_("Name"), max_length=200, required=False)
    id_type = forms.ChoiceField(
        label=_("Identity document"),
        choices=[("", _("Choose one"))] + Grievance.IdType.choices,
        required=False,
    )
    id_number = forms.CharField(label=_("Document number"), max_length=30, required=False)
    permanent_address = forms.CharField(
        label=_("Permanent address"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    present_address = forms.CharField(
        label=_("Present address"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("If different from the permanent address."),
    )
    mobile = MobileField(label=_("Mobile number"), required=False)
    email = forms.EmailField(
        label=_("E-mail (optional)"),
        required=False,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )

    service = forms.ModelChoiceField(
        label=_("Service concerned"),
        queryset=Service.objects.none(),
        required=False,
        empty_label=_("Another service (not in the charter)"),
    )
    other_service = forms.CharField(
        label=_("Name of the other service"), max_length=300, required=False
    )
    service_applied_on = LocalDateField(
        label=_("Date you applied for the service"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    service_tracking_number = forms.CharField(
        label=_("The service's tracking number, if any"), max_length=60, required=False
    )
    office_has_decided = forms.BooleanField(
        label=_("The office has already decided on my application"), required=False
    )
    # Honeypot: hidden from people by CSS, filled in by bots.
    website = forms.CharField(
        label=_("Leave this empty"),
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )

    parts = [
        (_("The complaint"), ["complaint_type", "subject", "description", "attachments"]),
        (
            _("The complainant"),
            [
                "is_anonymous",
                "name",
                "id_type",
                "id_number",
                "permanent_address",
                "present_address",
                "mobile",
                "email",
            ],
        ),
        (
            _("The service"),
            [
                "service",
                "other_service",
                "service_applied_on",
                "service_tracking_number",
                "office_has_decided",
            ],
        ),
    ]

    def __init__(self, *args, charter, today: datetime.date, **kwargs):
        super().__init__(*args, **kwargs)
        self.charter = charter
        self.today = today
        self.fields["service"].queryset = published_services(charter)

    def grouped_fields(self):
        return [(legend, [self[name] for name in names]) for legend, names in self.parts]

    def clean_id_number(self):
        return normalise_digits(self.cleaned_data["id_number"]).upper().replace(" ", "")

    def clean_attachments(self):
        files = self.cleaned_data.get("attachments") or []
        if len(files) > MAX_ATTACHMENTS:
            raise ValidationError(
                _("Attach at most %(count)s files.") % {"count": MAX_ATTACHMENTS},
                code="too_many",
            )
        cleaned, errors = [], []
        for upload in files:
            try:
                cleaned.append(clean_upload(upload))
            except ValidationError as error:
                errors.extend(error.messages)
        if errors:
            raise ValidationError(errors)
        return cleaned

    def clean_service_applied_on(self):
        applied_on = self.cleaned_data.get("service_applied_on")
        if applied_on and applied_on > self.today:
            raise ValidationError(_("The date cannot be in the future."), code="future")
        return applied_on

    def clean(self):
        data = super().clean()
        if data.get("website"):
            raise ValidationError(_("The form could not be sent."), code="honeypot")
        if not data.get("is_anonymous"):
            for name in ("name", "id_type", "id_number", "permanent_address", "mobile"):
                if not data.get(name) and name not in self.errors:
                    self.add_error(name, ValidationError(REQUIRED, code="required"))
            self._check_id_number(data)
        if not data.get("service") and not data.get("other_service"):
            if "other_service" not in self.errors:
                self.add_error(
                    "other_service",
                    ValidationError(
                        _("Choose the service from the list or write its name."),
                        code="required",
                    ),
                )
        self._check_service_time_limit(data)
        return data

    def _check_id_number(self, data):
        id_type, number = data.get("id_type"), data.get("id_number")
        if not id_type or not number:
            return
        valid = {
            Grievance.IdType.NATIONAL_ID: number.isdigit() and len(number) in (10, 13, 17),
            Grievance.IdType.BIRTH_REGISTRATION: number.isdigit() and len(number) == 17,
            Grievance.IdType.PASSPORT: number.isalnum() and 8 <= len(number) <= 9,
        }[id_type]
        if not valid:
            messages = {
                Grievance.IdType.NATIONAL_ID: _("A national ID number has 10, 13 or 17 digits."),
                Grievance.IdType.BIRTH_REGISTRATION: _(
                    "A birth registration number has 17 digits."
                ),
                Grievance.IdType.PASSPORT: _(
                    "A passport number has 8 or 9 letters and digits, for example A01234567."
                ),
            }
            self.add_error("id_number", ValidationError(messages[id_type], code="invalid"))

    def service_time_limit_ends(self, service, applied_on) -> datetime.date | None:
        if (
            service is None
            or applied_on is None
            or service.time_limit_kind != Service.TimeLimitKind.WORKING_DAYS
        ):
            return None
        return calendar.add_working_days(applied_on, service.time_limit_working_days)

    def _check_service_time_limit(self, data):
        """The guideline admits a complaint only once the service's own time limit has run
        out, unless the office has already decided."""
        ends = self.service_time_limit_ends(data.get("service"), data.get("service_applied_on"))
        if ends is None or ends < self.today or data.get("office_has_decided"):
            return
        self.add_error(
            "service_applied_on",
            ValidationError(
                _(
                    "The office has until %(date)s to provide this service. A complaint can "
                    "be made after that date, or now if the office has already decided on "
                    "your application: then tick the box below."
                )
                % {"date": local_date(ends)},
                code="service_time_not_over",
            ),
        )


class TrackForm(forms.Form):
    tracking_number = forms.CharField(
        label=_("Tracking number"),
        max_length=30,
        help_text=_("For example GRS-2025-K7M3QX"),
        widget=forms.TextInput(attrs={"autocapitalize": "characters", "autocomplete": "off"}),
    )
    mobile = MobileField(label=_("Mobile number"))

    def clean_tracking_number(self):
        return normalise_tracking_number(self.cleaned_data["tracking_number"])


class AppealForm(forms.Form):
    reason = forms.CharField(
        label=_("Why are you not satisfied with the decision?"),
        max_length=3000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class RatingForm(forms.Form):
    satisfied = forms.TypedChoiceField(
        label=_("Are you satisfied with the decision?"),
        choices=[("yes", _("Yes")), ("no", _("No"))],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=_("Comment (optional)"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
