"""The GRS process end to end, a citizen on a 360 px phone with JavaScript off.

The GRO asks for information in admin; the complainant answers on the tracking page with a
photo; the GRO calls a hearing (the notice shows on the tracking page) and disposes; the
complainant appeals with the annex খ-২ form; the appeal officer's deadline passes (the
sweep, run as of the day after it); the complainant reads how to take the case to the
Cabinet Division's cell and downloads the case summary to attach on grs.gov.bd.
"""

import datetime
import importlib
import re

import pytest
from django.apps import apps
from django.contrib.auth.models import Group
from django.utils import timezone
from django.utils.functional import empty
from PIL import Image
from playwright.sync_api import expect

from grievances import workflow
from grievances.models import Grievance, StaffProfile, TimelineEntry
from services.models import GrsTier

pytestmark = pytest.mark.browser

MOBILE = "01712345678"
MOBILE_AS_TYPED = "০১৭১২৩৪৫৬৭৮"
NO_HORIZONTAL_SCROLL = "document.documentElement.scrollWidth <= window.innerWidth"
QUESTION = "কোন তারিখে আপনি আবেদন করেছিলেন? আবেদনের রসিদের ছবি দিন।"
ANSWER = "১২ জানুয়ারি আবেদন করেছিলাম। রসিদের ছবি দিলাম।"
DECISION = "উদ্যোক্তাকে প্রতিদিন সকাল ৯টায় কেন্দ্র খুলতে বলা হয়েছে।"
GROUNDS = "কেন্দ্র এখনও বন্ধ থাকে; সিদ্ধান্ত কার্যকর হয়নি।"


@pytest.fixture
def grs_settings(settings, tmp_path):
    from grievances.models import private_storage

    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    settings.SMS_BACKEND = "grievances.sms.LocmemBackend"
    private_storage._wrapped = empty  # the storage reads PRIVATE_MEDIA_ROOT when first used
    yield settings
    private_storage._wrapped = empty


@pytest.fixture
def gro_user(django_user_model, charter):
    # The live server's database is flushed between tests, taking the migration's groups.
    groups = importlib.import_module("grievances.migrations.0002_officer_groups")
    groups.create_groups(apps, None)
    user = django_user_model.objects.create_user("anik", password="a-long-test-pw", is_staff=True)
    user.groups.add(Group.objects.get(name="GRO"))
    gro = GrsTier.objects.get(charter=charter, level=GrsTier.Level.GRO)
    StaffProfile.objects.create(user=user, officer=gro.officer, office=charter.office)
    return user


@pytest.fixture
def receipt_photo(tmp_path):
    path = tmp_path / "receipt.png"
    Image.new("RGB", (120, 80), "white").save(path)
    return path


def _track(page, site, tracking_number):
    page.goto(f"{site}/bn/complaints/track/")
    page.locator('[name="tracking_number"]').fill(tracking_number)
    page.locator('[name="mobile"]').fill(MOBILE_AS_TYPED)
    page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(re.compile(rf"/bn/complaints/track/{re.escape(tracking_number)}/$"))


def _fits_the_phone(make_page, page, url) -> bool:
    """Whether ``url`` lays out without sideways scrolling at 360 px (checked in a page
    with JavaScript on, to measure, holding the same session)."""
    measuring = make_page(viewport={"width": 360, "height": 740})
    measuring.context.add_cookies(page.context.cookies())
    measuring.goto(url)
    return measuring.evaluate(NO_HORIZONTAL_SCROLL)


def test_information_hearing_appeal_and_the_cabinet_cell(
    site, page, make_page, grs_settings, gro_user, office, receipt_photo
):
    now = timezone.now()
    grievance = workflow.submit(
        office=office,
        complaint_type="citizen",
        subject="ডিজিটাল সেন্টারে সেবা পাইনি",
        description="তিনবার গিয়েও ইউনিয়ন ডিজিটাল সেন্টার খোলা পাইনি।",
        name="রহিমা খাতুন",
        id_type="nid",
        id_number="1234567890",
        permanent_address="গ্রাম: হারাগাছ, কাউনিয়া, রংপুর",
        present_address="গ্রাম: হারাগাছ, কাউনিয়া, রংপুর",
        mobile=MOBILE,
        other_service="ইউনিয়ন ডিজিটাল সেন্টার",
        now=now - datetime.timedelta(days=1),
    )
    number = grievance.tracking_number

    # 1. The GRO asks for information in admin, with the default 10 working days to reply.
    officer = make_page(viewport={"width": 1280, "height": 900}, locale="en-US")
    officer.goto(f"{site}/admin/")
    officer.locator("#id_username").fill("anik")
    officer.locator("#id_password").fill("a-long-test-pw")
    officer.locator("#login-form [type=submit]").click()
    officer.goto(f"{site}/admin/grievances/grievance/{grievance.pk}/change/")
    officer.get_by_role("link", name="Request information").click()
    expect(officer.locator('[name="reply_days"]')).to_have_value("10")
    officer.locator('[name="question"]').fill(QUESTION)
    officer.locator("#content form [type=submit]").click()
    expect(officer.locator(".messagelist")).to_contain_text("Request information")
    grievance.refresh_from_db()
    assert grievance.status == Grievance.Status.AWAITING_INFORMATION
    assert grievance.information_due is not None

    # 2. The complainant answers on the tracking page, with a photo.
    _track(page, site, number)
    expect(page.locator("#information")).to_be_visible()
    expect(page.locator("main")).to_contain_text(QUESTION)
    page.locator('[name="answer"]').fill(ANSWER)
    page.locator('[name="attachments"]').set_input_files(receipt_photo)
    page.locator('form[action$="/answer/"] button[type=submit]').click()
    expect(page).to_have_url(re.compile(rf"/bn/complaints/track/{re.escape(number)}/$"))
    expect(page.locator(".notice")).to_be_visible()
    expect(page.locator("#information")).to_have_count(0)
    expect(page.locator("ol.timeline")).to_contain_text(ANSWER)
    grievance.refresh_from_db()
    assert grievance.status == Grievance.Status.IN_PROGRESS
    assert grievance.attachments.count() == 1

    # 3. The GRO calls a hearing: the notice is on the tracking page.
    hearing_day = timezone.localdate() + datetime.timedelta(days=7)
    workflow.schedule_hearing(
        grievance=grievance,
        actor=gro_user,
        hearing_date=hearing_day,
        hearing_time=datetime.time(11, 0),
        place="উপজেলা আইসিটি কার্যালয়, কাউনিয়া",
        summoned="অভিযোগকারী ও ইউনিয়ন ডিজিটাল সেন্টারের উদ্যোক্তা",
    )
    page.reload()
    expect(page.locator("#hearing")).to_be_visible()
    expect(page.locator(".hearing-notice")).to_contain_text("উপজেলা আইসিটি কার্যালয়")

    # 4. The GRO disposes; 5. the complainant appeals with the annex খ-২ form.
    workflow.dispose(grievance=grievance, actor=gro_user, decision=DECISION)
    page.reload()
    expect(page.locator(".decision").first).to_contain_text(DECISION)
    expect(page.locator('[name="appellant_role"]').first).to_be_visible()
    page.locator('[name="reason"]').fill(GROUNDS)
    page.locator('form[action$="/appeal/"] button[type=submit]').click()
    expect(page).to_have_url(re.compile(rf"/bn/complaints/track/{re.escape(number)}/$"))
    grievance.refresh_from_db()
    assert (grievance.tier, grievance.status) == (2, Grievance.Status.RECEIVED)

    # 6. The appeal officer lets the deadline pass: the sweep, as of the day after it.
    result = workflow.escalate_overdue(today=grievance.deadline + datetime.timedelta(days=1))
    assert result.by_tier == {2: 1}
    grievance.refresh_from_db()
    assert (grievance.tier, grievance.status) == (3, Grievance.Status.CABINET_CELL)

    # 7. The tracking page says how to take it to the cell; the summary downloads.
    page.reload()
    cell = page.locator("#cabinet-cell").locator("..")
    expect(cell).to_contain_text("grs.gov.bd")
    expect(cell).to_contain_text("বাংলাদেশ সচিবালয়")  # the cell's address, from the charter
    expect(page.locator("main")).not_to_contain_text("পাঠানো হয়েছে")
    assert _fits_the_phone(make_page, page, page.url)

    page.locator(f'a[href$="/{number}/summary/"]').click()
    expect(page).to_have_url(re.compile(rf"/complaints/track/{re.escape(number)}/summary/$"))
    expect(page.locator("h1")).to_be_visible()
    expect(page.locator("#s-tier-1")).to_be_visible()
    expect(page.locator("#s-tier-2")).to_be_visible()
    expect(page.locator(".summary-qr svg")).to_be_visible()
    assert _fits_the_phone(make_page, page, page.url)

    with page.expect_download() as download_info:
        page.locator('a[href$="?download=1"]').first.click()
    download = download_info.value
    assert download.suggested_filename == f"{number}-summary.html"
    content = open(download.path(), encoding="utf-8").read()  # noqa: PTH123, SIM115
    assert '<html lang="bn">' in content and number in content
    for text in (QUESTION, ANSWER, DECISION, GROUNDS, "grs.gov.bd"):
        assert text in content, text
    # Tier 1: the question, the answer, the decision; tier 2: the appeal and its grounds.
    tier1, tier2, cell = (
        content.index(f'id="{part}"') for part in ("s-tier-1", "s-tier-2", "s-cell")
    )
    assert tier1 < content.index(QUESTION) < content.index(ANSWER) < content.index(DECISION) < tier2
    assert tier2 < content.index(GROUNDS) < cell
    # The record says the escalation took effect the day after the appeal officer's deadline.
    entry = grievance.timeline.filter(kind=TimelineEntry.Kind.ESCALATED).get()
    assert entry.effective_on == grievance.tier_started_on
