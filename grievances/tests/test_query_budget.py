"""Query budgets: the officers' case list costs the same however many cases it shows."""

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from grievances.models import StaffProfile

# Messages and errors made outside a request are read in English here.
pytestmark = pytest.mark.usefixtures("english")


@pytest.fixture
def gro(django_user_model, office):
    user = django_user_model.objects.create_user("gro", password="pw", is_staff=True)
    user.groups.add(Group.objects.get(name="GRO"))
    StaffProfile.objects.create(user=user, office=office)
    return user


def _changelist_queries(client) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("admin:grievances_grievance_changelist"))
    assert response.status_code == 200
    return len(queries), response.content.decode()


def test_case_list_queries_do_not_grow_with_the_cases_on_the_page(client, gro, file_complaint):
    client.force_login(gro)
    first = file_complaint()
    few, page = _changelist_queries(client)
    assert first.tracking_number in page
    others = [file_complaint(subject=f"Complaint {n}") for n in range(30)]
    many, page = _changelist_queries(client)
    assert others[-1].tracking_number in page
    assert many == few


def test_case_list_as_superuser_has_the_same_budget(client, admin_user, file_complaint):
    client.force_login(admin_user)
    file_complaint()
    few, _page = _changelist_queries(client)
    for n in range(30):
        file_complaint(subject=f"Complaint {n}")
    many, _page = _changelist_queries(client)
    assert many == few


PUBLIC_PAGES = ["/bn/", "/bn/services/", "/bn/grs/", "/bn/complaints/new/", "/bn/complaints/track/"]


def _page_queries(client, url) -> int:
    from django.core.cache import cache

    cache.clear()
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.mark.parametrize("url", PUBLIC_PAGES)
def test_public_pages_stay_within_five_queries_with_many_cases(
    client, url, file_complaint, admin_user
):
    import datetime

    from django.utils import timezone

    from grievances import workflow

    now = timezone.now()
    for n in range(12):
        case = file_complaint(subject=f"Complaint {n}", now=now - datetime.timedelta(days=3 * n))
        if n % 2:
            workflow.dispose(grievance=case, decision="Service given.", actor=admin_user, now=now)
    assert _page_queries(client, url) <= 5
