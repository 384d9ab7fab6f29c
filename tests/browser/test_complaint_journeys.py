"""A citizen complains from a phone with JavaScript off, follows the complaint, and sees
the decision an officer records in admin."""

import importlib
import re

import pytest
from django.apps import apps
from django.contrib.auth.models import Group
from django.utils.functional import empty
from PIL import Image
from playwright.sync_api import expect

from grievances.models import Grievance, StaffProfile
from services.models import GrsTier, Service

pytestmark = pytest.mark.browser

MOBILE_AS_TYPED = "০১৭১২৩৪৫৬৭৮"  # Bangla digits, as a Bangla keyboard types them
MOBILE = "01712345678"


@pytest.fixture
def grs_settings(settings, tmp_path):
    from grievances.models import private_storage

    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    settings.SMS_BACKEND = "grievances.sms.LocmemBackend"
    private_storage._wrapped = empty  # the storage reads PRIVATE_MEDIA_ROOT when first used
    yield settings
    private_storage._wrapped = empty


@pytest.fixture
def receipt_photo(tmp_path):
    path = tmp_path / "application-receipt.png"
    Image.new("RGB", (120, 80), "white").save(path)
    return path


@pytest.fixture
def gro_user(django_user_model, charter):
    """The office's grievance redress officer, as an admin user in the GRO group."""
    # The live server's database is flushed between tests, taking the migration's groups.
    groups = importlib.import_module("grievances.migrations.0002_officer_groups")
    groups.create_groups(apps, None)
    user = django_user_model.objects.create_user("anik", password="a-long-test-pw", is_staff=True)
    user.groups.add(Group.objects.get(name="GRO"))
    gro = GrsTier.objects.get(charter=charter, level=GrsTier.Level.GRO)
    StaffProfile.objects.create(user=user, officer=gro.officer, office=charter.office)
    return user


def _file_a_complaint(page, site, receipt_photo) -> str:
    union = Service.objects.get(category="citizen", serial=4)
    page.goto(f"{site}/bn/services/citizen/4/")
    page.locator("main a.button").click()
    expect(page).to_have_url(re.compile(r"/bn/complaints/new/"))

    page.locator('[name="subject"]').fill("ডিজিটাল সেন্টারে সেবা পাইনি")
    page.locator('[name="description"]').fill("তিনবার গিয়েও ইউনিয়ন ডিজিটাল সেন্টার খোলা পাইনি।")
    page.locator('[name="attachments"]').set_input_files(receipt_photo)
    page.locator('[name="name"]').fill("রহিমা খাতুন")
    page.locator('[name="id_type"]').select_option(Grievance.IdType.NATIONAL_ID)
    page.locator('[name="id_number"]').fill("১২৩৪৫৬৭৮৯০")
    page.locator('[name="permanent_address"]').fill("গ্রাম: হারাগাছ, কাউনিয়া, রংপুর")
    page.locator('[name="present_address"]').fill("গ্রাম: হারাগাছ, কাউনিয়া, রংপুর")
    page.locator('[name="mobile"]').fill(MOBILE_AS_TYPED)
    page.locator('[name="service"]').select_option(str(union.pk))
    page.locator('[name="remedy_sought"]').fill("সেন্টারটি নির্ধারিত সময়ে খোলা রাখা হোক।")
    page.locator('[name="prevention"]').fill("সেন্টারের সময়সূচি টাঙিয়ে রাখা হোক।")
    page.locator('[name="declaration"]').check()
    page.locator("form.grs-form button[type=submit]").click()

    expect(page).to_have_url(re.compile(r"/bn/complaints/receipt/[^/]+/$"))
    tracking_number = page.locator(".tracking").inner_text().strip()
    assert tracking_number
    return tracking_number


def _track(page, site, tracking_number):
    page.goto(f"{site}/bn/complaints/track/")
    page.locator('[name="tracking_number"]').fill(tracking_number)
    page.locator('[name="mobile"]').fill(MOBILE_AS_TYPED)
    page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(re.compile(rf"/bn/complaints/track/{re.escape(tracking_number)}/$"))


def test_citizen_files_a_complaint_with_an_attachment_and_gets_a_receipt(
    site, page, grs_settings, receipt_photo
):
    tracking_number = _file_a_complaint(page, site, receipt_photo)

    grievance = Grievance.objects.get(tracking_number=tracking_number)
    assert grievance.mobile == MOBILE
    assert grievance.service.serial == 4
    assert grievance.attachments.count() == 1
    assert len(list((grs_settings.PRIVATE_MEDIA_ROOT / "grievances").iterdir())) == 1
    # The receipt gives the expected disposal date (guideline §6.1).
    assert page.locator("main dl.facts strong").inner_text().strip()


def test_citizen_tracks_the_complaint_from_another_phone(
    site, page, make_page, grs_settings, receipt_photo
):
    tracking_number = _file_a_complaint(page, site, receipt_photo)

    other_phone = make_page(viewport={"width": 360, "height": 740}, java_script_enabled=False)
    _track(other_phone, site, tracking_number)
    expect(other_phone.locator("h1")).to_contain_text(tracking_number)
    expect(other_phone.locator("ol.timeline li")).not_to_have_count(0)


def test_officer_disposes_the_complaint_in_admin_and_the_citizen_sees_the_decision(
    site, page, make_page, grs_settings, receipt_photo, gro_user
):
    tracking_number = _file_a_complaint(page, site, receipt_photo)
    decision = "ডিজিটাল সেন্টারের উদ্যোক্তাকে প্রতিদিন সকাল ৯টায় কেন্দ্র খুলতে বলা হয়েছে।"

    officer = make_page(viewport={"width": 1280, "height": 900}, locale="en-US")
    officer.goto(f"{site}/admin/")
    officer.locator("#id_username").fill("anik")
    officer.locator("#id_password").fill("a-long-test-pw")
    officer.locator("#login-form [type=submit]").click()
    officer.goto(f"{site}/admin/grievances/grievance/")
    officer.get_by_role("link", name=tracking_number).click()
    officer.get_by_role("link", name="Dispose with decision").click()
    officer.locator('[name="decision"]').fill(decision)
    officer.locator("#content form [type=submit]").click()
    expect(officer.locator(".messagelist")).to_contain_text("Dispose with decision")

    assert Grievance.objects.get(tracking_number=tracking_number).status == "disposed"

    _track(page, site, tracking_number)
    expect(page.locator(".decision")).to_contain_text(decision)
