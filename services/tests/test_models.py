import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from services.models import Service


def _copy(service, **changes):
    service.pk = None
    for name, value in changes.items():
        setattr(service, name, value)
    return service


def test_serial_is_unique_within_office_and_category(charter):
    service = Service.objects.get(category="citizen", serial=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        _copy(service).save()


def test_same_serial_is_allowed_in_another_category(charter):
    service = Service.objects.get(category="internal", serial=3)
    _copy(service, serial=4).save()
    assert Service.objects.filter(category="internal").count() == 4


def test_database_refuses_a_fee_amount_on_a_free_service(charter):
    service = Service.objects.get(category="citizen", serial=1)
    service.fee_amount = 50
    with pytest.raises(IntegrityError), transaction.atomic():
        service.save()


def test_database_refuses_working_days_missing_for_a_working_day_limit(charter):
    service = Service.objects.get(category="citizen", serial=3)
    service.time_limit_kind = Service.TimeLimitKind.WORKING_DAYS
    with pytest.raises(IntegrityError), transaction.atomic():
        service.save()


def test_clean_explains_an_amount_without_a_fixed_fee(charter):
    service = Service.objects.get(category="citizen", serial=1)
    service.fee_amount = 50
    with pytest.raises(ValidationError) as error:
        service.clean()
    assert "fee_amount" in error.value.message_dict


def test_fixture_time_limits_are_structured(charter):
    assert Service.objects.get(category="citizen", serial=1).time_limit_working_days == 3
    # Printed as the unfilled template "তাৎক্ষণিক/ কার্যদিবস (প্রযোজ্য ক্ষেত্রে)": not fixed.
    assert Service.objects.get(category="citizen", serial=3).time_limit_kind == "not_fixed"
    assert Service.objects.get(category="citizen", serial=6).time_limit_kind == "none"
    assert Service.objects.get(category="internal", serial=2).time_limit_working_days == 5
