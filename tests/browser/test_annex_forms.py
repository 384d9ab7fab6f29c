"""The annex forms on a 360 px phone with JavaScript off: the complaint form (annex খ-১)
filled in Bangla, an official complaint without a personal ID, the appeal (annex খ-২) on
the tracking page, and a scheduled hearing's notice on the tracking page."""

import datetime
import re

import pytest
from django.utils import timezone
from django.utils.functional import empty
from playwright.sync_api import expect

from grievances import workflow
from grievances.models import Appeal, Grievance
from services.models import Service

pytestmark = pytest.mark.browser

MOBILE_AS_TYPED = "০১৭১২৩৪৫৬৭৮"
MOBILE = "01712345678"
NO_HORIZONTAL_SCROLL = "document.documentElement.scrollWidth <= window.innerWidth"


@pytest.fixture
def grs_settings(settings, tmp_path):
    from grievances.models import private_storage

    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    settings.SMS_BACKEND = "grievances.sms.LocmemBackend"
    private_storage._wrapped = empty
    yield settings
    private_storage._wrapped = empty


def _fill(page, values: dict) -> None:
    for name, value in values.items():
        page.locator(f'[name="{name}"]').fill(value)


def _submit_and_get_receipt(page) -> Grievance:
    page.locator("form.grs-form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/bn/complaints/receipt/[^/]+/$"))
    tracking_number = page.locator(".tracking").inner_text().strip()
    return Grievance.objects.get(tracking_number=tracking_number)


def _track(page, site, grievance):
    page.goto(f"{site}/bn/complaints/track/")
    page.locator('[name="tracking_number"]').fill(grievance.tracking_number)
    page.locator('[name="mobile"]').fill(MOBILE_AS_TYPED)
    page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(
        re.compile(rf"/bn/complaints/track/{re.escape(grievance.tracking_number)}/$")
    )


def test_the_annex_complaint_form_filled_in_bangla(site, page, grs_settings):
    service = Service.objects.get(category="citizen", serial=4)  # time limit not fixed
    page.goto(f"{site}/bn/complaints/new/")
    assert page.evaluate(NO_HORIZONTAL_SCROLL)
    expect(page.locator("fieldset.part")).to_have_count(6)
    _fill(
        page,
        {
            "name": "রহিমা খাতুন",
            "recipient_name": "করিম মিয়া",
            "id_number": "১২৩৪৫৬৭৮৯০",
            "date_of_birth": "1990-08-15",
            "education": "উচ্চ মাধ্যমিক",
            "occupation": "শিক্ষক",
            "permanent_address": "গ্রাম: হারাগাছ, কাউনিয়া, রংপুর",
            "present_address": "বাড়ি ৪, সড়ক ২, রংপুর",
            "mobile": MOBILE_AS_TYPED,
            "subject": "ডিজিটাল সেন্টারে সেবা পাইনি",
            "description": "তিনবার গিয়েও ইউনিয়ন ডিজিটাল সেন্টার খোলা পাইনি।",
            "remedy_sought": "সেন্টারটি নির্ধারিত সময়ে খোলা রাখা হোক।",
            "prevention": "সেন্টারের সময়সূচি টাঙিয়ে রাখা হোক।",
        },
    )
    page.locator('[name="recipient_relation"][value="relative"]').check()
    page.locator('[name="id_type"]').select_option(Grievance.IdType.NATIONAL_ID)
    page.locator('[name="gender"]').select_option(Grievance.Gender.FEMALE)
    page.locator('[name="service"]').select_option(str(service.pk))
    # Without the declaration the form comes back, everything typed kept.
    page.locator("form.grs-form button[type=submit]").click()
    expect(page.locator("#id_declaration_error")).to_be_visible()
    expect(page.locator('[name="remedy_sought"]')).to_have_value("সেন্টারটি নির্ধারিত সময়ে খোলা রাখা হোক।")
    page.locator('[name="declaration"]').check()
    case = _submit_and_get_receipt(page)

    assert (case.name, case.recipient_name, case.recipient_relation) == (
        "রহিমা খাতুন",
        "করিম মিয়া",
        "relative",
    )
    assert case.id_number == "1234567890" and case.mobile == MOBILE
    assert case.date_of_birth == datetime.date(1990, 8, 15)
    assert (case.gender, case.education, case.occupation) == ("female", "উচ্চ মাধ্যমিক", "শিক্ষক")
    assert case.present_address == "বাড়ি ৪, সড়ক ২, রংপুর"
    assert case.remedy_sought.startswith("সেন্টারটি") and case.prevention.startswith("সেন্টারের")
    assert case.declaration is True
    assert case.service == service


def test_an_official_complaint_without_a_personal_id(site, page, grs_settings):
    page.goto(f"{site}/bn/complaints/new/")
    page.locator('[name="complaint_type"][value="official"]').check()
    _fill(
        page,
        {
            "complaining_office": "হারাগাছ ইউনিয়ন পরিষদ",
            "complaining_office_address": "হারাগাছ, কাউনিয়া, রংপুর",
            "writing_officer": "আব্দুল করিম, সচিব",
            "mobile": MOBILE_AS_TYPED,
            "other_service": "প্রশিক্ষণ",
            "subject": "প্রশিক্ষণের তারিখ জানানো হয়নি",
            "description": "ইউনিয়ন পরিষদের উদ্যোক্তাদের প্রশিক্ষণের তারিখ জানানো হয়নি।",
            "remedy_sought": "প্রশিক্ষণের তারিখ জানানো হোক।",
            "prevention": "তারিখ আগে থেকে প্রকাশ করা হোক।",
        },
    )
    page.locator('[name="declaration"]').check()
    case = _submit_and_get_receipt(page)
    assert case.complaint_type == Grievance.ComplaintType.OFFICIAL
    assert (case.complaining_office, case.writing_officer) == (
        "হারাগাছ ইউনিয়ন পরিষদ",
        "আব্দুল করিম, সচিব",
    )
    assert (case.id_type, case.id_number, case.name, case.permanent_address) == ("", "", "", "")


def _filed(office, **kwargs) -> Grievance:
    return workflow.submit(
        office=office,
        complaint_type="citizen",
        subject="ডিজিটাল সেন্টারে সেবা পাইনি",
        description="তিনবার গিয়েও সেন্টার খোলা পাইনি।",
        name="রহিমা খাতুন",
        id_type="nid",
        id_number="1234567890",
        permanent_address="হারাগাছ, কাউনিয়া",
        mobile=MOBILE,
        **kwargs,
    )


def test_the_annex_appeal_on_the_tracking_page(site, page, grs_settings, office):
    case = _filed(office)
    decision = "সেন্টারটি এখন নিয়মিত খোলা থাকে; অভিযোগটি নিষ্পত্তি করা হলো।"
    workflow.dispose(grievance=case, actor=None, decision=decision)
    _track(page, site, case)
    assert page.evaluate(NO_HORIZONTAL_SCROLL)
    expect(page.locator("div.decision")).to_contain_text("সেন্টারটি এখন নিয়মিত খোলা থাকে")
    today = timezone.localdate()
    expect(page.locator("#appeal ~ p.appealed-decision")).to_contain_text(
        str(today.year).translate(str.maketrans("0123456789", "০১২৩৪৫৬৭৮৯"))
    )
    page.locator('[name="appellant_role"][value="complainant"]').check()
    page.locator('[name="appellant_address"]').fill("হারাগাছ, কাউনিয়া")
    page.locator('[name="reason"]').fill("সেন্টারটি এখনও সপ্তাহে দুই দিন বন্ধ থাকে।")
    page.locator(
        f'form[action$="/complaints/track/{case.tracking_number}/appeal/"] button[type=submit]'
    ).click()
    expect(page.locator(".notice")).to_be_visible()
    recorded = Appeal.objects.get(grievance=case)
    assert recorded.decision_appealed == decision
    assert recorded.grounds == "সেন্টারটি এখনও সপ্তাহে দুই দিন বন্ধ থাকে।"
    assert (recorded.appellant_role, recorded.channel) == ("complainant", "web")
    case.refresh_from_db()
    assert case.tier == 2


def test_a_scheduled_hearings_notice_on_the_tracking_page(site, page, grs_settings, office):
    case = _filed(office)
    day = timezone.localdate() + datetime.timedelta(days=3)
    workflow.schedule_hearing(
        grievance=case,
        actor=None,
        hearing_date=day,
        hearing_time=datetime.time(11, 30),
        place="উপজেলা আইসিটি কার্যালয়, কক্ষ ২",
        summoned="অভিযোগকারী ও সংশ্লিষ্ট কর্মকর্তা",
    )
    _track(page, site, case)
    notice = page.locator("dl.hearing-notice")
    expect(notice).to_contain_text("১১:৩০")
    expect(notice).to_contain_text("উপজেলা আইসিটি কার্যালয়, কক্ষ ২")
    expect(notice).to_contain_text("অভিযোগকারী ও সংশ্লিষ্ট কর্মকর্তা")
    day_digits = str(day.day).translate(str.maketrans("0123456789", "০১২৩৪৫৬৭৮৯"))
    expect(notice).to_contain_text(day_digits)
    assert page.evaluate(NO_HORIZONTAL_SCROLL)
