"""Start an office's charter from another office's: ``copy_charter``.

The Department of ICT runs an office in every district and upazila with nearly the same
charter, so a new office's editors start from a published one instead of an empty form.
The copy is an unpublished draft for them to complete, check and publish.

What is copied: the charter's texts (title, government, vision, mission, both languages),
every service with its texts and figures, the expectations and the GRS tiers.

Officers are posts, matched by designation. An officer of the source office becomes the
officer with the same designation in the target office; an officer of one of the source's
parent offices (the superior officer, the GRO at the district office, the appeal officer at
the department) becomes the officer with that designation in the target's parent at the
same height (Kaunia's District ICT Officer in Rangpur stays the District ICT Officer in
Rangpur for another Rangpur upazila, and becomes Dinajpur's for a Dinajpur upazila). An
officer who is missing there is created with the designation only: a person's name, phone
and e-mail never travel to another office. An officer of an office outside the source's
chain (a central cell) is kept as it is.

Texts that name the source office (where to get the documents, for example) name the
target office instead. A GRS tier whose officer changed gets a contact address made from
that officer's designation and office (the source's address would give another office's
phone number).
"""

import unicodedata

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.widgets import FilteredSelectMultiple
from django.db import transaction
from django.template.response import TemplateResponse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.caching import clear_charter_pages
from core.templatetags.local_format import digits

from . import scoping
from .models import Charter, Expectation, GrsTier, Office, Officer, Service
from .translation import CharterTranslation, ServiceTranslation

LANGUAGES = ("bn", "en")


class CopyError(Exception):
    """The copy cannot be made; ``message`` says why, for the person who asked."""

    def __init__(self, message):
        self.message = message
        super().__init__(str(message))


def _designation_key(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text or "").split()).casefold()


def _chain(office: Office) -> list[Office]:
    """The office and its parents, nearest first."""
    chain = []
    seen = set()
    while office is not None and office.pk not in seen:
        chain.append(office)
        seen.add(office.pk)
        office = office.parent
    return chain


class OfficerMap:
    """Which officer of the target stands for each officer the source charter names."""

    def __init__(self, *, source_office: Office, target_office: Office):
        self.source_chain = _chain(source_office)
        self.target_chain = _chain(target_office)
        self._height = {office.pk: height for height, office in enumerate(self.source_chain)}
        self._mapped: dict[int, Officer] = {}
        self._by_office: dict[int, dict[str, Officer]] = {}
        self.created: list[Officer] = []

    def place_for(self, officer: Officer) -> Office | None:
        """The office where the officer's counterpart sits, or None to keep the officer."""
        height = self._height.get(officer.office_id)
        if height is None or height >= len(self.target_chain):
            return None
        place = self.target_chain[height]
        return None if place.pk == officer.office_id else place

    def _officers_of(self, office: Office) -> dict[str, Officer]:
        if office.pk not in self._by_office:
            found = {}
            for officer in Officer.objects.filter(office=office).order_by("pk"):
                found.setdefault(_designation_key(officer.designation_bn), officer)
            self._by_office[office.pk] = found
        return self._by_office[office.pk]

    def __call__(self, officer: Officer | None) -> Officer | None:
        if officer is None:
            return None
        if officer.pk in self._mapped:
            return self._mapped[officer.pk]
        place = self.place_for(officer)
        if place is None:
            counterpart = officer
        else:
            existing = self._officers_of(place)
            key = _designation_key(officer.designation_bn)
            counterpart = existing.get(key)
            if counterpart is None:
                # The post only: who holds it there, and how to reach them, is theirs to add.
                counterpart = Officer(
                    office=place,
                    designation_bn=officer.designation_bn,
                    designation_en=officer.designation_en or "",
                    **{
                        f"{field}_{language}": ""
                        for field in ("name", "office_code")
                        for language in LANGUAGES
                    },
                )
                with translation.override("bn"):
                    counterpart.save()
                existing[key] = counterpart
                self.created.append(counterpart)
        self._mapped[officer.pk] = counterpart
        return counterpart


def _retargeted(text: str, *, replacements: list[tuple[str, str]]) -> str:
    for old, new in replacements:
        if old and new and old != new:
            text = text.replace(old, new)
    return text


def _contact_address(officer: Officer, language: str) -> str:
    """The contact lines of a tier whose officer is another office's: post and office."""
    office = officer.office
    lines = [
        getattr(officer, f"designation_{language}") or officer.designation_bn,
        getattr(office, f"name_{language}") or office.name_bn,
        office.phone,
        office.email,
        office.website,
    ]
    return "\n".join(line for line in lines if line)


def copy_charter(*, source: Charter, to_office: Office) -> Charter:
    """A new, unpublished charter for ``to_office``, copied from ``source`` (see above).

    One transaction: either the whole charter is copied or nothing is. Raises CopyError
    if ``source`` is not published or ``to_office`` already has a charter.
    """
    if not source.is_published:
        raise CopyError(_("Only a published charter can be copied."))
    if to_office.pk == source.office_id:
        raise CopyError(_("A charter cannot be copied to its own office."))
    with transaction.atomic():
        # Locks the target office's row: two copies to one office at once cannot both pass.
        target = Office.objects.select_for_update().get(pk=to_office.pk)
        if Charter.objects.filter(office=target).exists():
            raise CopyError(_("%(office)s already has a charter.") % {"office": target.name})
        # Saved with Bangla active: the untranslated columns hold the Bangla text.
        with translation.override("bn"):
            charter = _copy(source, target)
        # bulk_create sends no signals: the pages are cleared once the copy is in.
        transaction.on_commit(clear_charter_pages)
    return charter


def _copy(source: Charter, target: Office) -> Charter:
    """The rows of the copy, in the caller's transaction (see ``copy_charter``)."""
    source_office = Office.objects.select_related("parent").get(pk=source.office_id)
    officers = OfficerMap(source_office=source_office, target_office=target)
    replacements = {
        language: [
            (
                getattr(source_office, f"name_{language}") or "",
                getattr(target, f"name_{language}") or target.name_bn,
            )
        ]
        for language in LANGUAGES
    }

    def texts(obj, fields) -> dict[str, str]:
        return {
            f"{name}_{language}": _retargeted(
                getattr(obj, f"{name}_{language}") or "",
                replacements=replacements[language],
            )
            for name in fields
            for language in LANGUAGES
        }

    charter = Charter(
        office=target,
        # The draft's date: the editors set the date they issue it on when they publish.
        issued_on=timezone.localdate(),
        signatory=officers(source.signatory),
        is_published=False,
        **texts(source, CharterTranslation.fields),
    )
    charter.save()

    Expectation.objects.bulk_create(
        Expectation(charter=charter, position=item.position, **texts(item, ["text"]))
        for item in source.expectations.order_by("position")
    )

    tiers = []
    for tier in source.grs_tiers.select_related("officer__office").order_by("level"):
        officer = officers(tier.officer)
        copied = GrsTier(
            charter=charter,
            level=tier.level,
            officer=officer,
            time_limit_working_days=tier.time_limit_working_days,
            **texts(tier, ["when_to_contact", "contact_role", "contact_address"]),
        )
        if officer is not None and officer.pk != tier.officer_id:
            for language in LANGUAGES:
                address = _contact_address(officer, language)
                setattr(copied, f"contact_address_{language}", address)
        tiers.append(copied)
    GrsTier.objects.bulk_create(tiers)

    services = Service.objects.filter(office=source_office).select_related(
        "responsible_officer", "superior_officer"
    )
    Service.objects.bulk_create(
        Service(
            office=target,
            category=service.category,
            serial=service.serial,
            fee_kind=service.fee_kind,
            fee_amount=service.fee_amount,
            time_limit_kind=service.time_limit_kind,
            time_limit_working_days=service.time_limit_working_days,
            responsible_officer=officers(service.responsible_officer),
            superior_officer=officers(service.superior_officer),
            is_published=service.is_published,
            **texts(service, ServiceTranslation.fields),
        )
        for service in services.order_by("category", "serial")
    )
    return charter


# --- The admin action ----------------------------------------------------------------------


class CopyCharterForm(forms.Form):
    offices = forms.ModelMultipleChoiceField(
        queryset=Office.objects.none(),
        label=gettext_lazy("Offices"),
        widget=FilteredSelectMultiple(gettext_lazy("offices"), is_stacked=False),
        help_text=gettext_lazy("Only offices that have no charter yet are listed."),
    )

    def __init__(self, *args, offices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["offices"].queryset = offices


class CopyCharterAction:
    """The charter list's action "Start charters of other offices from this one": an
    intermediate page to choose the offices, then ``copy_charter`` for each of them."""

    actions = ["copy_to_offices"]

    def copy_target_offices(self, request):
        """Offices this user may edit that have no charter yet."""
        return scoping.offices_of(request.user).filter(charter__isnull=True).order_by("name")

    @admin.action(
        description=gettext_lazy("Start charters of other offices from this one"),
        permissions=["add"],
    )
    def copy_to_offices(self, request, queryset):
        if queryset.count() != 1:
            self.message_user(request, _("Choose one charter to copy."), messages.WARNING)
            return None
        source = queryset.select_related("office").get()
        if not source.is_published:
            self.message_user(request, _("Only a published charter can be copied."), messages.ERROR)
            return None
        form = CopyCharterForm(
            request.POST if "copy" in request.POST else None,
            offices=self.copy_target_offices(request),
        )
        if form.is_valid():
            started, refused = 0, []
            for office in form.cleaned_data["offices"]:
                try:
                    copy_charter(source=source, to_office=office)
                except CopyError as error:
                    refused.append(error.message)
                else:
                    started += 1
            if started:
                self.message_user(
                    request,
                    _(
                        "Draft charters started: %(count)s. Their editors complete them and "
                        "publish them."
                    )
                    % {"count": digits(started)},
                    messages.SUCCESS,
                )
            for message in refused:
                self.message_user(request, message, messages.ERROR)
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": _("Start charters from the charter of %(office)s")
            % {"office": source.office.name},
            "source": source,
            "form": form,
            "opts": self.model._meta,
            "queryset": queryset,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "media": self.media + form.media,
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "admin/services/charter/copy_charter.html", context)
