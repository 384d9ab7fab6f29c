"""Time limits the charter prints as its unfilled template ("তাৎক্ষণিক/ কার্যদিবস (প্রযোজ্য
ক্ষেত্রে)") are "not fixed", with the printed text kept; the early-filing check asks for the
application date only when a service's limit is a number of working days."""

import datetime
import importlib

import pytest
from django.apps import apps
from django.db.migrations.loader import MigrationLoader

from grievances import eligibility
from grievances.forms import ComplaintForm
from services.models import Service
from tests.helpers import VALID

pytestmark = pytest.mark.usefixtures("english")

TEMPLATE = "তাৎক্ষণিক/ কার্যদিবস (প্রযোজ্য ক্ষেত্রে)"
# The 11 rows of the real charter printed with the template (citizen 3-5, institutional 2,
# 4-7, 9, 10, internal 1).
UNFILLED = {
    ("citizen", 3),
    ("citizen", 4),
    ("citizen", 5),
    ("institutional", 2),
    ("institutional", 4),
    ("institutional", 5),
    ("institutional", 6),
    ("institutional", 7),
    ("institutional", 9),
    ("institutional", 10),
    ("internal", 1),
}


def _data_migration():
    """The services migration that converts the rows (found by what it defines, whatever
    its number)."""
    loader = MigrationLoader(None, ignore_no_migrations=True)
    for (app, _name), found in loader.disk_migrations.items():
        module = importlib.import_module(found.__module__)
        if app == "services" and hasattr(module, "immediate_to_not_fixed"):
            return module
    raise AssertionError("no services migration converts the unfilled time limits")


migration = _data_migration()


@pytest.mark.django_db
def test_the_fixtures_unfilled_time_limits_are_not_fixed_and_keep_their_text(charter):
    not_fixed = Service.objects.filter(office=charter.office, time_limit_kind="not_fixed")
    assert {(s.category, s.serial) for s in not_fixed} == UNFILLED
    assert {s.time_limit_text_bn for s in not_fixed} == {TEMPLATE}
    assert not Service.objects.filter(office=charter.office, time_limit_kind="immediate").exists()
    assert all(s.time_limit_working_days is None for s in not_fixed)


@pytest.mark.django_db
def test_charter_json_no_longer_says_they_are_immediate(client, charter):
    data = client.get("/charter.json").json()
    kinds = {
        (service["category"], service["serial"]): service["time_limit"]
        for services in data["services"].values()
        for service in services
    }
    for key in UNFILLED:
        assert kinds[key]["kind"] == "not_fixed"
        assert kinds[key]["text"]["bn"] == TEMPLATE
    assert kinds[("citizen", 1)] == {
        "kind": "working_days",
        "working_days": 3,
        "text": kinds[("citizen", 1)]["text"],
    }


@pytest.mark.parametrize(
    ("text", "unfilled"),
    [
        (TEMPLATE, True),
        ("তাৎক্ষণিক/কার্যদিবস (প্রযোজ্য ক্ষেত্রে)", True),
        ("তাৎক্ষণিক /  কার্যদিবস  (প্রযোজ্য ক্ষেত্রে)", True),
        ("তাত\u09cd\u200dক্ষণিক/ কার্যদিবস (প্রযোজ্য ক্ষেত্রে)", True),  # ৎ as ত্ + ZWJ
        ("তাৎক্ষণিক", False),
        ("০৩ (তিন) কার্যদিবস (প্রযোজ্য ক্ষেত্রে)", False),
        ("", False),
    ],
)
def test_the_data_migration_recognises_the_template_however_it_was_typed(text, unfilled):
    assert migration.is_unfilled_template(text) is unfilled


@pytest.mark.django_db
def test_the_data_migration_converts_only_the_unfilled_template(charter):
    office = charter.office
    template = Service.objects.get(office=office, category="citizen", serial=3)
    truly_immediate = Service.objects.get(office=office, category="citizen", serial=4)
    Service.objects.filter(pk=template.pk).update(time_limit_kind="immediate")
    Service.objects.filter(pk=truly_immediate.pk).update(
        time_limit_kind="immediate", time_limit_text_bn="তাৎক্ষণিক", time_limit_text="তাৎক্ষণিক"
    )
    migration.immediate_to_not_fixed(apps, None)
    template.refresh_from_db()
    truly_immediate.refresh_from_db()
    assert template.time_limit_kind == "not_fixed"
    assert template.time_limit_text_bn == TEMPLATE  # the printed text is kept
    assert truly_immediate.time_limit_kind == "immediate"


@pytest.mark.django_db
def test_not_fixed_has_no_number_of_days(charter):
    service = Service.objects.get(office=charter.office, category="citizen", serial=3)
    service.time_limit_working_days = 3
    with pytest.raises(Exception):  # noqa: B017 (ValidationError; the database refuses too)
        service.clean()


# The early-filing check (Sunday 2 March 2025 is the day of receipt).
TODAY = datetime.date(2025, 3, 2)


def form(charter, **changes):
    return ComplaintForm({**VALID, **changes}, charter=charter, today=TODAY)


@pytest.mark.django_db
def test_a_service_with_working_days_asks_for_the_application_date(charter):
    service = Service.objects.get(office=charter.office, category="citizen", serial=1)
    bound = form(charter, service=service.pk, other_service="")
    assert not bound.is_valid()
    (message,) = bound.errors["service_applied_on"]
    assert message.startswith("Give the date you applied for the service")
    assert "3 working days" in message
    # applied Thu 27 Feb: Sun 2, Mon 3, Tue 4 March are its 3 working days; too early today
    early = form(charter, service=service.pk, other_service="", service_applied_on="2025-02-27")
    assert not early.is_valid()
    assert early.errors["service_applied_on"][0].startswith("The office has until 4 March 2025")
    decided = form(charter, service=service.pk, other_service="", office_has_decided="on")
    assert decided.is_valid(), decided.errors
    in_time = form(charter, service=service.pk, other_service="", service_applied_on="2025-02-20")
    assert in_time.is_valid(), in_time.errors


@pytest.mark.django_db
@pytest.mark.parametrize(("category", "serial"), [("citizen", 3), ("citizen", 6)])
def test_a_service_without_a_fixed_limit_needs_no_date(charter, category, serial):
    service = Service.objects.get(office=charter.office, category=category, serial=serial)
    assert service.time_limit_kind in ("not_fixed", "none")
    bound = form(charter, service=service.pk, other_service="")
    assert bound.is_valid(), bound.errors
    assert eligibility.service_time_limit_ends(service=service, applied_on=TODAY) is None


@pytest.mark.django_db
def test_the_form_explains_when_the_date_is_needed(charter):
    help_text = str(form(charter).fields["service_applied_on"].help_text)
    assert "number of working days" in help_text and "no fixed time limit" in help_text


@pytest.mark.django_db
def test_workflow_submit_still_takes_a_complaint_without_the_date(file_complaint, charter):
    # Staff code and tests filing directly are not refused: the forms ask for it.
    service = Service.objects.get(office=charter.office, category="citizen", serial=1)
    assert file_complaint(service=service).pk
