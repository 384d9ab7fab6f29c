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
from .models import Appeal, Grievance
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
    """The guideline's complaint form, annex খ-১: its fields in its order and words, the
    optional ones marked, and a declaration.

    ``relayed``: the form is filled in by someone else than the complainant (staff entering
    a letter, a call or a visit; another system through Open311). It records what the
    complainant gave: a missing present address, remedy, suggestion or declaration does
    not stop the complaint from being received.
    """

    relayed = False
    # Needed on the web form, and by the annex; a relayed complaint may lack them.
    ANNEX_REQUIRED = ("present_address", "remedy_sought", "prevention")

    complaint_type = forms.ChoiceField(
        label=_("Type of complaint"),
        choices=Grievance.ComplaintType.choices,
        initial=Grievance.ComplaintType.CITIZEN,
        widget=forms.RadioSelect,
    )
    is_anonymous = forms.BooleanField(
        label=_("Complain anonymously"),
        required=False,
        help_text=_(
            "You will get no messages and cannot follow the complaint, "
            "and the officer may decline an anonymous complaint."
        ),
    )
    # An official (দাপ্তরিক) complaint: the office complaining, instead of a person's ID.
    complaining_office = TextField(
        label=_("Name of the complaining office"), max_length=300, required=False
    )
    complaining_office_address = TextField(
        label=_("Address of the complaining office"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    writing_officer = TextField(
        label=_("Name and designation of the officer writing"), max_length=300, required=False
    )

    name = TextField(label=_("Complainant's name"), max_length=200, required=False)
    recipient_name = TextField(
        label=_("Service recipient's name"),
        max_length=200,
        required=False,
        help_text=_("Leave it empty if you are the service recipient yourself."),
    )
    recipient_relation = forms.ChoiceField(
        label=_("The service recipient is"),
        choices=Grievance.RecipientRelation.choices,
        initial=Grievance.RecipientRelation.SELF,
        required=False,
        widget=forms.RadioSelect,
    )
    id_type = forms.ChoiceField(
        label=_("Identity document"),
        choices=[("", _("Choose one"))] + Grievance.IdType.choices,
        required=False,
    )
    id_number = TextField(label=_("Document number"), max_length=30, required=False)
    date_of_birth = LocalDateField(
        label=_("Date of birth (optional)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    gender = forms.ChoiceField(
        label=_("Gender (optional)"),
        choices=[("", _("Not given"))] + Grievance.Gender.choices,
        required=False,
    )
    education = TextField(
        label=_("Educational qualification (optional)"), max_length=200, required=False
    )
    occupation = TextField(label=_("Occupation (optional)"), max_length=200, required=False)
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
        help_text=_("Where you live now; write it again if it is the permanent address."),
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
        help_text=_(
            "Needed when the charter gives the service a number of working days: a complaint "
            "can be made once they have passed. Not needed for a service given at once or "
            "with no fixed time limit, nor once the office has decided."
        ),
    )
    service_tracking_number = TextField(
        label=_("The service's tracking number, if any"), max_length=60, required=False
    )
    office_has_decided = forms.BooleanField(
        label=_("The office has already decided on my application"), required=False
    )

    subject = TextField(label=_("Subject"), max_length=200)
    description = TextField(
        label=_("Description"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("What happened, and when."),
    )
    remedy_sought = TextField(
        label=_("Remedy sought"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What you want the office to do."),
    )
    prevention = TextField(
        label=_("How can this be prevented from happening again?"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    attachments = MultipleFileField(
        label=_("Attachments"),
        required=False,
        help_text=_("Up to 3 files: JPEG, PNG or PDF, at most 5 MB each."),
    )
    declaration = forms.BooleanField(
        label=_("I declare that the information given in this complaint is true."),
        required=False,
    )
    # Honeypot: hidden from people by CSS, filled in by bots.
    website = TextField(
        label=_("Leave this empty"),
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )

    parts = [
        (_("Type of complaint"), ["complaint_type", "is_anonymous"]),
        (
            _("For an official complaint: the complaining office"),
            ["complaining_office", "complaining_office_address", "writing_officer"],
        ),
        (
            _("The complainant"),
            [
                "name",
                "recipient_name",
                "recipient_relation",
                "id_type",
                "id_number",
                "date_of_birth",
                "gender",
                "education",
                "occupation",
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
        (
            _("The complaint"),
            ["subject", "description", "remedy_sought", "prevention", "attachments"],
        ),
        (_("Declaration"), ["declaration"]),
    ]

    def __init__(self, *args, charter, today: datetime.date, relayed: bool | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.charter = charter
        self.today = today
        if relayed is not None:
            self.relayed = relayed
        self.fields["service"].queryset = published_services(charter)
        # Required for a named citizen's complaint (clean() says when): marked * on the form.
        marked = eligibility.required_fields(
            complaint_type=Grievance.ComplaintType.CITIZEN, is_anonymous=False
        )
        for name in (*marked, *eligibility.OFFICIAL_FIELDS, *self.ANNEX_REQUIRED, "declaration"):
            if not (self.relayed and name in (*self.ANNEX_REQUIRED, "declaration")):
                self.fields[name].marked_required = True
        if self.relayed:
            self.fields["declaration"].label = _(
                "The complainant declared the information true (signed the form or said so)."
            )

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
        "recipient_name",
        "recipient_relation",
        "date_of_birth",
        "gender",
        "education",
        "occupation",
        "complaining_office",
        "complaining_office_address",
        "writing_officer",
        "remedy_sought",
        "prevention",
        "declaration",
        "attachments",
    )

    def complaint(self) -> dict:
        """The cleaned complaint as keyword arguments for ``workflow.submit``."""
        data = self.cleaned_data
        complaint = {name: data.get(name) for name in self.COMPLAINT_FIELDS}
        complaint["mobile"] = complaint["mobile"] or ""
        complaint["attachments"] = complaint["attachments"] or []
        complaint["declaration"] = bool(complaint["declaration"])
        for name in ("gender", "recipient_relation"):
            complaint[name] = complaint[name] or ""
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

    def clean_date_of_birth(self):
        born = self.cleaned_data.get("date_of_birth")
        if born is not None and not datetime.date(1900, 1, 1) <= born <= self.today:
            raise ValidationError(_("Check the date of birth."), code="invalid")
        return born

    def _require(self, name: str) -> None:
        if not self.cleaned_data.get(name) and name not in self.errors:
            self.add_error(name, ValidationError(REQUIRED, code="required"))

    def clean(self):
        data = super().clean()
        if data.get("website"):
            raise ValidationError(_("The form could not be sent."), code="honeypot")
        anonymous = bool(data.get("is_anonymous"))
        complaint_type = data.get("complaint_type") or ""
        required = eligibility.required_fields(
            complaint_type=complaint_type, is_anonymous=anonymous
        )
        for name in (*required, "remedy_sought", "prevention"):
            if not (self.relayed and name in self.ANNEX_REQUIRED):
                self._require(name)
        relation = data.get("recipient_relation") or Grievance.RecipientRelation.SELF
        if anonymous:
            data["recipient_relation"] = ""
        else:
            data["recipient_relation"] = relation
            if relation != Grievance.RecipientRelation.SELF:
                self._require("recipient_name")
        if not anonymous:
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
        if "service_applied_on" not in self.errors:
            self._add_problem(
                eligibility.service_date_missing_problem(
                    service=data.get("service"),
                    applied_on=data.get("service_applied_on"),
                    office_has_decided=bool(data.get("office_has_decided")),
                )
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
        if not self.relayed and not data.get("declaration") and "declaration" not in self.errors:
            self.add_error(
                "declaration",
                ValidationError(_("Tick the declaration to send the complaint."), code="required"),
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
    """The appeal, annex খ-২: who appeals, their details and the grounds. The disposal
    appealed is the case's decision, shown above the form."""

    appellant_role = forms.ChoiceField(
        label=_("Who is appealing"),
        choices=Appeal.AppellantRole.choices,
        initial=Appeal.AppellantRole.COMPLAINANT,
        required=False,
        widget=forms.RadioSelect,
    )
    appellant_name = TextField(
        label=_("Appellant's name"),
        max_length=200,
        required=False,
        help_text=_("Needed when an officer appeals; the complainant's is on record."),
    )
    appellant_address = TextField(
        label=_("Appellant's designation and address (optional)"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    appellant_mobile = MobileField(label=_("Appellant's mobile number (optional)"), required=False)
    reason = TextField(
        label=_("Grounds for the appeal"),
        max_length=3000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Why the decision is not right, and what you ask the appeal officer to do."),
    )

    def clean(self):
        data = super().clean()
        role = data.get("appellant_role") or Appeal.AppellantRole.COMPLAINANT
        data["appellant_role"] = role
        if role != Appeal.AppellantRole.COMPLAINANT and not data.get("appellant_name"):
            if "appellant_name" not in self.errors:
                self.add_error("appellant_name", ValidationError(REQUIRED, code="required"))
        return data

    def appeal(self) -> dict:
        """The cleaned appeal as keyword arguments for ``workflow.appeal``."""
        return {
            name: self.cleaned_data.get(name) or ""
            for name in (
                "appellant_role",
                "appellant_name",
                "appellant_address",
                "appellant_mobile",
                "reason",
            )
        }


class PaperAppealForm(AppealForm):
    """An appeal that came on paper, as staff enter it in admin (``workflow.enter_appeal``)."""

    received_on = LocalDateField(
        label=_("Date of receipt"),
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_(
            "The day the office received the appeal: the 30 days are judged on it, and the "
            "appeal officer's time limit starts from it."
        ),
    )
    field_order = ["received_on"]


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
