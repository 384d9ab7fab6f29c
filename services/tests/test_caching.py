from django.db import connection
from django.test.utils import CaptureQueriesContext

from services.models import Service


def test_second_request_is_served_from_the_cache(client, charter):
    first = client.get("/bn/services/")
    with CaptureQueriesContext(connection) as queries:
        second = client.get("/bn/services/")
    assert len(queries) == 0
    assert second.content == first.content


def test_pages_are_cached_per_language(client, charter):
    assert 'lang="bn"' in client.get("/bn/services/").content.decode()
    assert 'lang="en"' in client.get("/en/services/").content.decode()
    assert 'lang="bn"' in client.get("/bn/services/").content.decode()


def test_conditional_request_gets_304(client, charter):
    response = client.get("/en/grs/")
    etag = response["ETag"]
    assert etag
    again = client.get("/en/grs/", headers={"if-none-match": etag})
    assert again.status_code == 304
    assert again.content == b""


def test_changing_a_service_clears_the_cached_page(client, charter):
    service = Service.objects.get(category="citizen", serial=4)
    etag = client.get("/en/services/citizen/")["ETag"]
    service.name_en = "Support for Union Digital Centres, renamed"
    service.save()
    page = client.get("/en/services/citizen/", headers={"if-none-match": etag})
    assert page.status_code == 200
    assert "Support for Union Digital Centres, renamed" in page.content.decode()


def test_changing_a_grs_tier_clears_the_grs_page(client, charter):
    assert "45 working days" not in client.get("/en/grs/").content.decode()
    tier = charter.grs_tiers.get(level=3)
    tier.time_limit_working_days = 45
    tier.save()
    assert "45 working days" in client.get("/en/grs/").content.decode()
