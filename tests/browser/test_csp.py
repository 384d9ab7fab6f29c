"""The strict Content-Security-Policy (no inline script or style) breaks nothing: the public
pages and the admin, with JavaScript on, load without a single CSP violation."""

import datetime

import pytest
from django.test import Client
from django.urls import reverse

from grievances import workflow
from grievances.models import Grievance

pytestmark = pytest.mark.browser

# django.contrib.admin's own JavaScript must run too.
PUBLIC = ["/bn/", "/en/services/", "/bn/complaints/new/", "/en/complaints/track/", "/bn/grs/"]


def csp_problems(page, url: str) -> list[str]:
    """Console errors and securitypolicyviolation events while ``url`` loads."""
    problems = []
    page.on(
        "console",
        lambda message: problems.append(message.text) if message.type == "error" else None,
    )
    page.add_init_script(
        "document.addEventListener('securitypolicyviolation', e => "
        "console.error('CSP violation: ' + e.violatedDirective + ' ' + e.blockedURI));"
    )
    response = page.goto(url)
    assert response.status == 200, url
    page.wait_for_load_state("load")
    assert "content-security-policy" in response.headers
    return problems


@pytest.fixture
def js_page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    yield context, context.new_page()
    context.close()


@pytest.mark.parametrize("path", PUBLIC)
def test_public_pages_load_under_the_csp_without_violations(site, js_page, path):
    _context, page = js_page
    assert csp_problems(page, site + path) == []


def test_the_admin_login_and_a_case_page_load_under_the_csp(
    site, js_page, charter, django_user_model, settings, tmp_path
):
    from django.utils.functional import empty

    from grievances.models import private_storage

    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    settings.SMS_BACKEND = "grievances.sms.LocmemBackend"
    private_storage._wrapped = empty
    context, page = js_page
    assert csp_problems(page, site + reverse("admin:login")) == []

    grievance = workflow.submit(
        office=charter.office,
        complaint_type="citizen",
        subject="<script>alert(1)</script>",
        description="Nobody answered.",
        is_anonymous=True,
    )
    # An overdue case too: the list marks it in red.
    workflow.submit(
        office=charter.office,
        complaint_type="citizen",
        subject="Old",
        description="Overdue",
        is_anonymous=True,
        now=datetime.datetime(2025, 1, 5, 10, tzinfo=datetime.UTC),
    )
    # A superuser sees the same case page as the GRO; the groups need not be rebuilt here.
    staff = django_user_model.objects.create_superuser("admin", "admin@example.com", "pw")
    client = Client()
    client.force_login(staff)
    context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": site}]
    )
    for path in [
        reverse("admin:index"),
        reverse("admin:grievances_grievance_changelist"),
        reverse("admin:grievances_grievance_change", args=[grievance.pk]),
        reverse("admin:grievances_grievance_act", args=[grievance.pk, "dispose"]),
    ]:
        assert csp_problems(page, site + path) == [], path
    assert Grievance.objects.count() == 2
    private_storage._wrapped = empty
