import pytest
from django.contrib.auth.models import Group, User
from django.urls import reverse

from services.models import (
    Charter,
    Expectation,
    GrsTier,
    Office,
    Officer,
    Service,
    StaffMembership,
)

CHARTER_MODELS = [Office, Officer, Charter, Expectation, GrsTier, Service]


@pytest.fixture
def charter_editor(office):
    """The Kaunia office's charter editor (a member of the office)."""
    user = User.objects.create_user("clerk", password="x-long-password-1", is_staff=True)
    user.groups.add(Group.objects.get(name="charter editor"))
    StaffMembership.objects.create(user=user, office=office)
    return user


@pytest.mark.parametrize("model", CHARTER_MODELS)
def test_charter_editor_opens_every_add_and_change_page(client, charter, charter_editor, model):
    client.force_login(charter_editor)
    opts = model._meta
    assert (
        client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")).status_code
        == 200
    )
    add = client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_add"))
    # New offices, and the hierarchy, are the superusers' (services.admin.OfficeAdmin).
    assert add.status_code == (403 if model is Office else 200)
    # One of the editor's own office's records.
    path = {Office: "pk", Expectation: "charter__office", GrsTier: "charter__office"}
    obj = model.objects.filter(**{path.get(model, "office"): charter.office.pk}).first()
    change = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])
    page = client.get(change)
    assert page.status_code == 200


def test_admin_shows_bangla_and_english_fields_together(client, charter, charter_editor):
    client.force_login(charter_editor)
    service = Service.objects.get(category="citizen", serial=1)
    page = client.get(reverse("admin:services_service_change", args=[service.pk])).content.decode()
    assert 'name="name_bn"' in page and 'name="name_en"' in page


def test_admin_pulls_nothing_from_a_cdn(client, charter, charter_editor):
    client.force_login(charter_editor)
    service = Service.objects.get(category="citizen", serial=1)
    page = client.get(reverse("admin:services_service_change", args=[service.pk])).content.decode()
    assert "cdn" not in page.lower()
    assert "https://" not in page.split("<body")[0]


def test_charter_editor_may_edit_nothing_else(charter_editor):
    codes = {p.split(".")[0] for p in charter_editor.get_all_permissions()}
    assert codes == {"services"}


def test_clerk_changes_a_time_limit_and_the_public_page_shows_it(client, charter, charter_editor):
    assert "০৭ (সাত) কার্যদিবস" not in client.get("/bn/services/citizen/1/").content.decode()
    client.force_login(charter_editor)
    service = Service.objects.get(category="citizen", serial=1)
    url = reverse("admin:services_service_change", args=[service.pk])
    form = client.get(url).context["adminform"].form
    data = {
        name: (value if value is not None else "")
        for name, value in ((n, form[n].value()) for n in form.fields)
    }
    data.update(
        time_limit_working_days="7",
        time_limit_text_bn="০৭ (সাত) কার্যদিবস",
        time_limit_text_en="7 (seven) working days",
    )
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert "০৭ (সাত) কার্যদিবস" in client.get("/bn/services/citizen/1/").content.decode()
    assert "7 (seven) working days" in client.get("/en/services/").content.decode()
