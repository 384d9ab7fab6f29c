"""generate_network: the synthetic network for benchmarks, and what it lets us measure.

The command lives in the grievances app (it writes complaints, and ``services`` knows
nothing of complaints); the offices' charters come from ``services.copying.copy_charter``.
"""

import datetime
import io
import time
from collections import Counter

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from grievances import workflow
from grievances.management.commands.generate_network import PRODUCTION_SETTINGS
from grievances.models import Grievance, TimelineEntry
from services.models import Charter, GrsTier, Office, Service

TODAY = datetime.date(2026, 3, 10)


def generate(*args) -> str:
    out = io.StringIO()
    call_command("generate_network", *args, "--today", TODAY.isoformat(), stdout=out)
    return out.getvalue()


def _synthetic_offices():
    return Office.objects.filter(slug__startswith="syn1-")


def test_it_makes_the_offices_charters_and_cases_it_says(charter):
    output = generate("--offices", "12", "--cases", "100")
    offices = list(_synthetic_offices().select_related("parent"))
    assert len(offices) == 12
    levels = Counter(office.level for office in offices)
    assert levels == {"district": 2, "upazila": 10}
    department = Office.objects.get(slug="syn1")
    assert {o.parent for o in offices if o.level == "district"} == {department}
    assert all(o.parent.level == "district" for o in offices if o.level == "upazila")
    for office in offices:
        copy = Charter.objects.get(office=office)
        assert copy.is_published
        assert Service.objects.filter(office=office).count() == 19
        assert sorted(copy.grs_tiers.values_list("level", flat=True)) == [1, 2, 3]
    assert not Charter.objects.filter(office=department).exists()

    cases = Grievance.objects.filter(tracking_number__startswith="SYN-")
    assert cases.count() == 100
    assert cases.overdue(TODAY).count() == 10
    assert TimelineEntry.objects.filter(grievance__in=cases, kind="submitted").count() == 100
    per_office = Counter(cases.values_list("office", flat=True))
    assert set(per_office) == {o.pk for o in offices} and set(per_office.values()) <= {8, 9}
    # The overdue ones are spread over the offices too, not bunched in a few.
    assert len(set(cases.overdue(TODAY).values_list("office", flat=True))) == 10
    for case in cases.select_related("service", "handling_officer")[:20]:
        assert case.service.office_id == case.office_id
        gro = GrsTier.objects.get(charter__office=case.office_id, level=1)
        assert case.handling_officer_id == gro.officer_id
        assert case.deadline > case.tier_started_on
    assert "12 offices" in output and "100 complaints (10 overdue" in output


def test_the_escalation_sweep_moves_exactly_the_overdue_cases(charter):
    generate("--offices", "12", "--cases", "200")
    result = workflow.escalate_overdue(today=TODAY)
    assert result.total == 20 and not result.stuck
    moved = Grievance.objects.filter(tier=2)
    assert moved.count() == 20
    # Each upazila's tier-2 officer is the one its own (copied) table names.
    for case in moved[:5]:
        assert (
            case.handling_officer
            == GrsTier.objects.get(charter__office=case.office, level=2).officer
        )
    assert workflow.escalate_overdue(today=TODAY).total == 0


def test_it_refuses_production_settings_unless_forced(charter, settings):
    settings.SETTINGS_MODULE = PRODUCTION_SETTINGS
    offices = Office.objects.count()
    with pytest.raises(CommandError, match="production"):
        generate("--offices", "2")
    assert Office.objects.count() == offices
    generate("--offices", "2", "--force")
    assert _synthetic_offices().count() == 2


def test_it_refuses_a_database_with_real_complaints_unless_forced(charter, file_complaint):
    file_complaint()
    offices = Office.objects.count()
    with pytest.raises(CommandError, match="1 complaints"):
        generate("--offices", "2", "--cases", "5")
    assert Office.objects.count() == offices
    generate("--offices", "2", "--cases", "5", "--force")
    assert Grievance.objects.count() == 6


def test_a_second_run_adds_a_second_network(charter):
    generate("--offices", "3", "--cases", "6")
    generate("--offices", "3", "--cases", "6")
    assert Office.objects.filter(slug__startswith="syn2-").count() == 3
    assert Grievance.objects.count() == 12


# --- at the size of the Department of ICT's network ---

# Every public page of one office, and whether the page cache keeps it (the search and the
# complaint form, with its CSRF token, are made for each request).
OFFICE_PAGES = [
    ("", True),
    ("services/", True),
    ("services/citizen/", True),
    ("services/institutional/10/", True),
    ("services/internal.csv", True),
    ("services/search/?q=ল্যাব", False),
    ("expectations/", True),
    ("grs/", True),
    ("charter/print/", True),
    ("charter.json", True),
    ("complaints/new/", False),
]


def _queries(client, path) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
    assert response.status_code == 200, path
    return len(queries)


def test_every_page_of_an_office_stays_within_its_query_budget_among_600_offices(
    charter, client, django_assert_max_num_queries
):
    started = time.perf_counter()
    generate("--offices", "600", "--cases", "3000")
    generated_in = time.perf_counter() - started
    assert _synthetic_offices().count() == 600
    office = _synthetic_offices().filter(level="upazila").order_by("-pk").first()
    measured = {}
    for page, cached in OFFICE_PAGES:
        path = f"/bn/offices/{office.slug}/{page}"
        from django.core.cache import cache

        cache.clear()
        uncached = _queries(client, path)
        again = _queries(client, path)
        measured[page] = (uncached, again)
        assert uncached <= 5, (path, uncached)
        assert again <= (1 if cached else 5), (path, again)
    print(f"\n600 offices and 3,000 cases generated in {generated_in:.1f} s; queries {measured}")
