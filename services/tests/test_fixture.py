import pytest
from django.core.management import call_command
from django.core.serializers import serialize

from conftest import CHARTER_FIXTURE
from services.models import Charter, Expectation, GrsTier, Office, Officer, Service
from services.translation import (
    CharterTranslation,
    ExpectationTranslation,
    GrsTierTranslation,
    OfficerTranslation,
    OfficeTranslation,
    ServiceTranslation,
)

TRANSLATED = [
    (Office, OfficeTranslation),
    (Officer, OfficerTranslation),
    (Charter, CharterTranslation),
    (Expectation, ExpectationTranslation),
    (GrsTier, GrsTierTranslation),
    (Service, ServiceTranslation),
]


def test_fixture_has_every_service_of_the_three_tables(charter):
    counts = {
        category: Service.objects.filter(office=charter.office, category=category).count()
        for category in Service.Category.values
    }
    assert counts == {"citizen": 6, "institutional": 10, "internal": 3}
    for category in Service.Category.values:
        serials = list(Service.objects.filter(category=category).values_list("serial", flat=True))
        assert serials == list(range(1, len(serials) + 1))


def test_fixture_has_the_charter_texts(charter):
    assert charter.issued_on.isoformat() == "2024-12-31"
    assert charter.signatory.name_bn == "মৃত্যুঞ্জয় কুমার সেন"
    assert charter.expectations.count() == 5
    assert list(charter.grs_tiers.values_list("level", "time_limit_working_days")) == [
        (1, 30),
        (2, 20),
        (3, 60),
    ]
    assert "উচ্চগতির" in charter.mission_bn


def test_split_rows_are_one_service_again(charter):
    cyber = Service.objects.get(category="citizen", serial=5)
    assert cyber.name_bn.endswith("প্রয়োজনীয় পরামর্শ প্রদান")
    assert Service.objects.get(category="institutional", serial=1).name_bn.startswith(
        "বিভিন্ন প্রতিবেদন"
    )


@pytest.mark.parametrize(("model", "options"), TRANSLATED)
def test_every_bangla_text_has_its_english(charter, model, options):
    for obj in model.objects.all():
        for field in options.fields:
            bn, en = getattr(obj, f"{field}_bn"), getattr(obj, f"{field}_en")
            assert bool(bn) == bool(en), f"{model.__name__} {obj.pk} {field}"


def test_loading_the_fixture_twice_changes_nothing(charter):
    models = [Office, Officer, Charter, Expectation, GrsTier, Service]
    before = [serialize("json", m.objects.order_by("pk")) for m in models]
    call_command("loaddata", CHARTER_FIXTURE, verbosity=0)
    after = [serialize("json", m.objects.order_by("pk")) for m in models]
    assert before == after
