import datetime
import re
import unicodedata

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator, ProhibitNullCharactersValidator
from django.utils.translation import gettext_lazy as _

from services.charter import published_services
from services.models import Service

from . import eligibility
from .attachments import clean_uploads
from .models import Grievance
from .text import normalise_digits, normalise_mobile, normalise_tracking_number
from .workflow import MAX_ATTACHMENTS, IneligibleComplaint

REQUIRED = _("This field is required.")
# Control characters (NUL included: PostgreSQL refuses it) and bidirectional overrides,
# which can make text in admin read differently from what is stored. ZWJ/ZWNJ stay: Bangla
# needs them.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def reject_control_characters(value: str) -> None:
    if CONTROL_CHARACTERS.search(value):
        raise ValidationError(
            _("Remove the invisible control characters from this text."), code="control"
        )
    # U+FFFD is what bytes that are not UTF-8 become: the browser sent something unreadable.
    if "\ufffd" in value:
        raise ValidationError(
            _("Part of this text could not be read. Please type it again."), code="unreadable"
        )


class TextField(forms.CharField):
    """Text a citizen types: stored in Unicode NFC, no control characters, and every
    message our own, so that it is shown in the page's language."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.validators = [
            validator
            for validator in self.validators
            if not isinstance(validator, ProhibitNullCharactersValidator | MaxLengthValidator)
        ]
        self.validators.append(reject_control_characters)
        if self.max_length is not None:
            self.validators.append(
                MaxLengthValidator(
                    self.max_length,
                    message=_(
                        "Write at most %(limit_value)d characters (this has %(show_value)d)."
                    ),
                )
            )

    def to_python(self, value):
        value = super().to_python(value)
        return unicodedata.normalize("NFC", value) if value else value


class EmailAddressField(TextField, forms.EmailField):
    """An e-mail address with the same text checks and messages as the other fields."""


class MobileField(TextField):
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


class ServiceChoiceField(forms.ModelChoiceField):
    """A NUL byte in the posted id is just another unknown service, in the page's language."""

    def to_python(self, value):
        if isinstance(value, str) and CONTROL_CHARACTERS.search(value):
            raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        return super().to_python(value)


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
    subject = TextField(label=_("Subject"), max_length=200)
    description = TextField(
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
    name = TextField(label=_("Name"), max_length=200, required=False)
    id_type = forms.ChoiceField(
        label=_("Identity document"),
        choices=[("", _("Choose one"))] + Grievance.IdType.choices,
        required=False,
    )
    id_number = TextField(label=_("Document number"), max_length=30, required=False)
    permanent_address = TextField(
        label=_("Permanent address"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    present_address = TextField(
        label=_("Present address"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("If different from the permanent address."),
    )
    mobile = MobileField(label=_("Mobile number"), required=False)
    email = EmailAddressField(
        label=_("E-mail (optional)"),
        required=False,
        max_length=254,  # the model's limit: PostgreSQL refuses a longer value
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )

    service = ServiceChoiceField(
        label=_("Service concerned"),
        queryset=Service.objects.none(),
        required=False,
        empty_label=_("Another service (not in the charter)"),
    )
    other_service = TextField(label=_("Name of the other service"), max_length=300, required=False)
    service_applied_on = LocalDateField(
        label=_("Date you applied for the service"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    service_tracking_number = TextField(
        label=_("The service's tracking number, if any"), max_length=60, required=False
    )
    office_has_decided = forms.BooleanField(
        label=_("The office has already decided on my application"), required=False
    )
    # Honeypot: hidden from people by CSS, filled in by bots.
    website = TextField(
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

    def date_of_receipt(self) -> datetime.date:
        """The day the office receives the complaint, on which its conditions are judged."""
        return self.today

    COMPLAINT_FIELDS = (
        "complaint_type",
        "subject",
        "description",
        "is_anonymous",
        "name",
        "id_type",
        "id_number",
        "permanent_address",
        "present_address",
        "mobile",
        "email",
        "service",
        "other_service",
        "service_applied_on",
        "service_tracking_number",
        "office_has_decided",
        "attachments",
    )

    def complaint(self) -> dict:
        """The cleaned complaint as keyword arguments for ``workflow.submit``."""
        data = self.cleaned_data
        complaint = {name: data.get(name) for name in self.COMPLAINT_FIELDS}
        complaint["mobile"] = complaint["mobile"] or ""
        complaint["attachments"] = complaint["attachments"] or []
        return complaint

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
        # Every header, and the pixels of all the images together, are checked before any
        # file is decoded; each problem is reported.
        return clean_uploads(files)

    def clean_service_applied_on(self):
        applied_on = self.cleaned_data.get("service_applied_on")
        problem = eligibility.service_date_problem(applied_on=applied_on, received_on=self.today)
        if problem:
            raise ValidationError(problem.message, code=problem.code)
        return applied_on

    def clean(self):
        data = super().clean()
        if data.get("website"):
            raise ValidationError(_("The form could not be sent."), code="honeypot")
        if not data.get("is_anonymous"):
            for name in ("name", "id_type", "id_number", "permanent_address", "mobile"):
                if not data.get(name) and name not in self.errors:
                    self.add_error(name, ValidationError(REQUIRED, code="required"))
            self._add_problem(
                eligibility.id_number_problem(
                    id_type=data.get("id_type") or "", id_number=data.get("id_number") or ""
                )
            )
        if not data.get("service") and not data.get("other_service"):
            if "other_service" not in self.errors:
                self.add_error(
                    "other_service",
                    ValidationError(
                        _("Choose the service from the list or write its name."),
                        code="required",
                    ),
                )
        # workflow.submit judges the same on the date of receipt; this shows it on the field.
        self._add_problem(
            eligibility.service_problem(
                service=data.get("service"),
                applied_on=data.get("service_applied_on"),
                office_has_decided=bool(data.get("office_has_decided")),
                received_on=self.date_of_receipt(),
                today=self.today,
            )
        )
        return data

    def _add_problem(self, problem: eligibility.Ineligibility | None) -> None:
        if problem is not None:
            self.add_error(problem.field, ValidationError(problem.message, code=problem.code))

    def add_ineligibility(self, error: IneligibleComplaint) -> None:
        """Show ``workflow.submit``'s refusal on the field it is about."""
        field = error.field if error.field in self.fields else None
        self.add_error(field, ValidationError(error.message, code=error.code))


class TrackForm(forms.Form):
    tracking_number = TextField(
        label=_("Tracking number"),
        max_length=30,
        help_text=_("For example GRS-2025-K7M3QX"),
        widget=forms.TextInput(attrs={"autocapitalize": "characters", "autocomplete": "off"}),
    )
    mobile = MobileField(label=_("Mobile number"))

    def clean_tracking_number(self):
        return normalise_tracking_number(self.cleaned_data["tracking_number"])


class AppealForm(forms.Form):
    reason = TextField(
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
    comment = TextField(
        label=_("Comment (optional)"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
