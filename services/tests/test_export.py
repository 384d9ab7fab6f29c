import csv
import io
import json

from services.models import Service


def test_charter_json_has_every_service_in_both_languages(client, charter):
    response = client.get("/charter.json")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    data = json.loads(response.content)
    assert {k: len(v) for k, v in data["services"].items()} == {
        "citizen": 6,
        "institutional": 10,
        "internal": 3,
    }
    cyber = data["services"]["citizen"][4]
    service = Service.objects.get(category="citizen", serial=5)
    assert cyber["name"] == {"bn": service.name_bn, "en": service.name_en}
    assert cyber["time_limit"]["kind"] == service.time_limit_kind
    assert data["issued_on"] == "2024-12-31"
    assert [t["time_limit_working_days"] for t in data["grs_tiers"]] == [30, 20, 60]
    assert len(data["expectations"]) == 5
    assert "উচ্চগতির" in data["mission"]["bn"]
    assert "মৃত্যুঞ্জয়".encode() in response.content  # readable UTF-8, not \\u escapes


def test_service_table_csv_opens_in_a_spreadsheet_with_bangla(client, charter):
    response = client.get("/bn/services/institutional.csv")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text[1:])))
    assert len(rows) == 1 + 10
    assert rows[1][0] == "1"
    assert rows[1][1] == Service.objects.get(category="institutional", serial=1).name_bn
    english = list(
        csv.reader(io.StringIO(client.get("/en/services/internal.csv").content.decode()[1:]))
    )
    assert english[0][0] == "No."
    assert english[3][1] == Service.objects.get(category="internal", serial=3).name_en


def test_unknown_table_csv_is_404(client, charter):
    assert client.get("/bn/services/nothing.csv").status_code == 404


def test_services_page_links_the_data(client, charter):
    page = client.get("/en/services/").content.decode()
    assert 'href="/charter.json"' in page
    assert 'href="/en/services/citizen.csv"' in page
