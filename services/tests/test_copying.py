"""Start an office's charter from another's: services/copying.py and its admin action."""

import pytest
from django.contrib.auth.models import Group, User
from django.urls import reverse

from services.copying import CopyError, copy_charter
from services.models import (
    Charter,
    Expectation,
    GrsTier,
    Office,
    Officer,
    Service,
    StaffMembership,
)

TEXTS = ["title", "government", "vision", "mission"]
SERVICE_TEXTS = [
    "name",
    "delivery_method",
    "required_documents",
    "fee_payment_method",
    "fee_text",
    "time_limit_text",
]
SERVICE_FIGURES = [
    "fee_kind",
    "fee_amount",
    "time_limit_kind",
    "time_limit_working_days",
    "is_published",
]


def _office(name_bn, name_en, *, level="upazila", parent=None, **extra):
    return Office.objects.create(
        name_bn=name_bn, name_en=name_en, level=level, parent=parent, **extra
    )


@pytest.fixture
def rangpur(charter):
    return charter.office.parent


@pytest.fixture
def badarganj(rangpur):
    return _office(
        "উপজেলা কার্যালয়, বদরগঞ্জ, রংপুর", "Upazila office, Badarganj, Rangpur", parent=rangpur
    )


@pytest.fixture
def dinajpur_upazila(rangpur):
    dinajpur = _office(
        "জেলা কার্যালয়, দিনাজপুর",
        "District office, Dinajpur",
        level="district",
        parent=rangpur.parent,
        phone="0531-63000",
        email="doict.dinajpur@example.gov.bd",
    )
    return _office("উপজেলা কার্যালয়, বিরল, দিনাজপুর", "Upazila office, Biral, Dinajpur", parent=dinajpur)


def _people(officer):
    return [officer.name_bn, officer.name_en, officer.phone, officer.email]


def test_the_copy_is_an_unpublished_draft_with_everything_of_the_source(charter, badarganj):
    copy = copy_charter(source=charter, to_office=badarganj)
    copy.refresh_from_db()
    assert copy.office == badarganj
    assert copy.is_published is False
    for field in TEXTS:
        for language in ("bn", "en"):
            assert getattr(copy, f"{field}_{language}") == getattr(charter, f"{field}_{language}")

    expectations = [(e.position, e.text_bn, e.text_en) for e in charter.expectations.all()]
    assert [(e.position, e.text_bn, e.text_en) for e in copy.expectations.all()] == expectations
    assert len(expectations) == 5

    tiers = list(copy.grs_tiers.order_by("level"))
    source_tiers = list(charter.grs_tiers.order_by("level"))
    assert [t.level for t in tiers] == [1, 2, 3]
    for tier, source_tier in zip(tiers, source_tiers, strict=True):
        assert tier.time_limit_working_days == source_tier.time_limit_working_days
        assert tier.when_to_contact_bn == source_tier.when_to_contact_bn
        assert tier.contact_role_en == source_tier.contact_role_en
        # Badarganj is in Rangpur too: its GRO is the same District ICT Officer, its appeal
        # officer the same one at the department, and their contact lines stay.
        assert tier.officer_id == source_tier.officer_id
        assert tier.contact_address_bn == source_tier.contact_address_bn

    source_services = Service.objects.filter(office=charter.office).order_by("category", "serial")
    services = Service.objects.filter(office=badarganj).order_by("category", "serial")
    assert services.count() == source_services.count() == 19
    for service, source_service in zip(services, source_services, strict=True):
        assert (service.category, service.serial) == (
            source_service.category,
            source_service.serial,
        )
        for field in SERVICE_FIGURES:
            assert getattr(service, field) == getattr(source_service, field)
        for field in SERVICE_TEXTS:
            for language in ("bn", "en"):
                name = f"{field}_{language}"
                assert getattr(service, name) == getattr(source_service, name), name
        # The superior officer sits in Rangpur for both offices.
        assert service.superior_officer_id == source_service.superior_officer_id


def test_officers_of_the_office_are_posts_without_the_people(charter, badarganj):
    copy_charter(source=charter, to_office=badarganj)
    kaunia_officer = Officer.objects.get(
        office=charter.office, designation_en="Upazila ICT Officer"
    )
    created = Officer.objects.get(office=badarganj)
    assert created.designation_bn == kaunia_officer.designation_bn
    assert created.designation_en == "Upazila ICT Officer"
    assert created.name_bn == created.name_en == created.phone == created.email == ""
    assert created.office_code_bn == ""  # Kaunia's upazila code is Kaunia's
    assert set(
        Service.objects.filter(office=badarganj).values_list("responsible_officer", flat=True)
    ) == {created.pk}
    assert Charter.objects.get(office=badarganj).signatory == created
    # Nothing of Kaunia's officer reached the copy.
    person = [value for value in _people(kaunia_officer) if value]
    assert person
    for service in Service.objects.filter(office=badarganj).select_related("responsible_officer"):
        assert not set(person) & set(_people(service.responsible_officer))


def test_an_officer_already_in_the_target_office_is_used(charter, badarganj):
    existing = Officer.objects.create(
        office=badarganj,
        designation_bn="উপজেলা আইসিটি অফিসার",
        designation_en="Upazila ICT Officer",
        name_bn="বদরগঞ্জের কর্মকর্তা",
        phone="01700000000",
    )
    copy_charter(source=charter, to_office=badarganj)
    assert Officer.objects.filter(office=badarganj).count() == 1
    existing.refresh_from_db()
    assert existing.name_bn == "বদরগঞ্জের কর্মকর্তা" and existing.phone == "01700000000"
    assert {s.responsible_officer_id for s in Service.objects.filter(office=badarganj)} == {
        existing.pk
    }


def test_in_another_district_the_superior_officer_and_gro_are_that_districts(
    charter, dinajpur_upazila, rangpur
):
    dinajpur = dinajpur_upazila.parent
    copy = copy_charter(source=charter, to_office=dinajpur_upazila)
    district_officer = Officer.objects.get(office=dinajpur)
    assert district_officer.designation_en == "District ICT Officer"
    assert district_officer.name_bn == district_officer.phone == district_officer.email == ""
    services = Service.objects.filter(office=dinajpur_upazila)
    assert {s.superior_officer_id for s in services} == {district_officer.pk}
    gro = copy.grs_tiers.get(level=1)
    assert gro.officer == district_officer
    # The contact lines are the Dinajpur office's, not Rangpur's phone and e-mail.
    assert "doict.rangpur@gmail.com" not in gro.contact_address_bn
    assert "০২-৫৮৮৮০৯২১৬" not in gro.contact_address_bn
    assert "জেলা কার্যালয়, দিনাজপুর" in gro.contact_address_bn
    assert "District office, Dinajpur" in gro.contact_address_en
    assert "doict.dinajpur@example.gov.bd" in gro.contact_address_bn
    # Both districts hang from the department: the appeal officer is the same person.
    assert copy.grs_tiers.get(level=2).officer == charter.grs_tiers.get(level=2).officer
    # Rangpur's officers are untouched and not reused for Dinajpur.
    assert not Officer.objects.filter(office=rangpur, designation_en="").exists()


def test_texts_that_name_the_source_office_name_the_target(charter, badarganj):
    copy_charter(source=charter, to_office=badarganj)
    source = Service.objects.get(office=charter.office, category="citizen", serial=1)
    service = Service.objects.get(office=badarganj, category="citizen", serial=1)
    assert source.documents_source_bn == "উপজেলা কার্যালয়, কাউনিয়া, রংপুর"
    assert service.documents_source_bn == "উপজেলা কার্যালয়, বদরগঞ্জ, রংপুর"
    # A text that names another office is kept.
    source_4 = Service.objects.get(office=charter.office, category="institutional", serial=4)
    copied_4 = Service.objects.get(office=badarganj, category="institutional", serial=4)
    assert copied_4.documents_source_bn == source_4.documents_source_bn == "জেলা কার্যালয়, রংপুর"


def _counts():
    return tuple(m.objects.count() for m in (Charter, Expectation, GrsTier, Service, Officer))


def test_an_office_with_a_charter_is_refused(charter, badarganj):
    copy_charter(source=charter, to_office=badarganj)
    before = _counts()
    with pytest.raises(CopyError):
        copy_charter(source=charter, to_office=badarganj)
    with pytest.raises(CopyError):
        copy_charter(source=charter, to_office=charter.office)
    assert _counts() == before


def test_an_unpublished_charter_is_not_copied(charter, badarganj):
    Charter.objects.filter(pk=charter.pk).update(is_published=False)
    charter.refresh_from_db()
    before = _counts()
    with pytest.raises(CopyError):
        copy_charter(source=charter, to_office=badarganj)
    assert _counts() == before


def test_a_failure_half_way_leaves_nothing(charter, badarganj, monkeypatch):
    before = _counts()

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(Service.objects, "bulk_create", broken)
    with pytest.raises(RuntimeError):
        copy_charter(source=charter, to_office=badarganj)
    assert _counts() == before


# --- the admin action ---


def _action(client, charter, **extra):
    data = {"action": "copy_to_offices", "_selected_action": [charter.pk], **extra}
    return client.post(reverse("admin:services_charter_changelist"), data)


def test_the_action_offers_offices_without_a_charter_then_copies(
    client, admin_user, charter, badarganj, dinajpur_upazila
):
    client.force_login(admin_user)
    page = _action(client, charter)
    assert page.status_code == 200
    offered = set(page.context["form"].fields["offices"].queryset)
    assert badarganj in offered and dinajpur_upazila in offered
    assert charter.office not in offered  # Kaunia has its charter
    response = _action(client, charter, copy="1", offices=[badarganj.pk, dinajpur_upazila.pk])
    assert response.status_code == 302
    for office in (badarganj, dinajpur_upazila):
        draft = Charter.objects.get(office=office)
        assert draft.is_published is False
        assert Service.objects.filter(office=office).count() == 19


def test_the_action_page_loads_nothing_inline(client, admin_user, charter, badarganj):
    client.force_login(admin_user)
    page = _action(client, charter).content.decode()
    assert "<script>" not in page and "style=" not in page
    assert 'name="copy"' in page


def test_an_editor_starts_charters_only_for_their_own_offices(
    client, charter, badarganj, dinajpur_upazila
):
    editor = User.objects.create_user("editor", password="x-long-password-1", is_staff=True)
    editor.groups.add(Group.objects.get(name="charter editor"))
    StaffMembership.objects.create(user=editor, office=badarganj)
    StaffMembership.objects.create(user=editor, office=charter.office)
    client.force_login(editor)
    page = _action(client, charter)
    assert set(page.context["form"].fields["offices"].queryset) == {badarganj}
    response = _action(client, charter, copy="1", offices=[dinajpur_upazila.pk])
    assert response.status_code == 200  # the form again, with its error
    assert not Charter.objects.filter(office=dinajpur_upazila).exists()
    _action(client, charter, copy="1", offices=[badarganj.pk])
    assert Charter.objects.filter(office=badarganj, is_published=False).exists()
