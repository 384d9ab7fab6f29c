"""Every SMS and e-mail the GRS sends, in Bangla and in English.

A Bangla message writes its numbers and dates in Bangla digits (only the tracking number and
links keep ASCII digits); an English one writes dates in words. No message shows an ISO date.
The deadlines below are counted by hand (Friday and Saturday off, no holidays in the
fixture), never by the code under test.
"""

import datetime
import re
import unicodedata
from types import SimpleNamespace

import pytest
from django.utils import translation

from grievances import notifications, workflow
from grievances.models import OutboxMessage
from services.models import Office
from tests.helpers import at

D = datetime.date
LANGUAGES = ["bn", "en"]
COMPLAINANT_EMAIL = "rahima@example.com"
COMPLAINANT_MOBILE = "01712345678"
GRO_EMAIL = "doict.rangpur@gmail.com"
APPEAL_OFFICER_EMAIL = "ddadmin@doict.gov.bd"

TRACKING_NUMBER = re.compile(r"GRS-\d{4}-[0-9A-Z]{6}")
URL = re.compile(r"https?://\S+")
ISO_DATE = re.compile(r"[0-9০-৯]{4}-[0-9০-৯]{2}-[0-9০-৯]{2}")
BANGLA_SCRIPT = re.compile(r"[\u0980-\u09ff]")

# Filed Sunday 5 January 2025: 30 working days to the GRO's deadline, Sunday 16 February.
FEB_16 = {"bn": "১৬ ফেব্রুয়ারি ২০২৫", "en": "16 February 2025"}
# Forwarded Sunday 12 January: 30 working days, Sunday 23 February.
FEB_23 = {"bn": "২৩ ফেব্রুয়ারি ২০২৫", "en": "23 February 2025"}
# Appealed Wednesday 5 February: 20 working days, Wednesday 5 March.
MAR_5 = {"bn": "৫ মার্চ ২০২৫", "en": "5 March 2025"}
# Escalated Monday 17 February: 20 working days, Monday 17 March.
MAR_17 = {"bn": "১৭ মার্চ ২০২৫", "en": "17 March 2025"}

QUESTION = {"bn": "আবেদনের রসিদের ছবি পাঠান", "en": "Send a photo of the receipt"}
DECISION = {"bn": "আবেদনটি মঞ্জুর করা হয়েছে", "en": "The application is granted"}
APPEAL_PERIOD = {"bn": "৩০ দিনের মধ্যে", "en": "within 30 days"}
BRANCH = {"bn": "শাখা", "en": "Branch"}
APPEAL_OFFICER = {"bn": "আপিল কর্মকর্তা", "en": "Appeal officer"}


def nfc(text: str) -> str:
    """One spelling of য় (U+09DF or য + nukta) on both sides of a comparison."""
    return unicodedata.normalize("NFC", text)


def assert_written_in(language: str, text: str) -> None:
    """Plain text in one language, numbers and dates as that language writes them."""
    assert text, "empty message"
    assert text == text.strip(), repr(text)
    assert not ISO_DATE.search(text), text
    if language == "bn":
        assert BANGLA_SCRIPT.search(text), text
        rest = TRACKING_NUMBER.sub("", URL.sub("", text))
        assert not re.search(r"[0-9]", rest), f"ASCII digits in a Bangla message: {text}"
    else:
        assert not BANGLA_SCRIPT.search(text), f"Bangla in an English message: {text}"


def queued() -> dict[str, str]:
    """The queued messages by who reads them: sms, subject/email, officer subject/email."""
    found = {}
    for message in OutboxMessage.objects.order_by("pk"):
        if message.channel == OutboxMessage.Channel.SMS:
            assert message.recipient == COMPLAINANT_MOBILE
            found["sms"] = nfc(message.body)
        elif message.recipient == COMPLAINANT_EMAIL:
            found["subject"], found["email"] = nfc(message.subject), nfc(message.body)
        else:
            found["officer"] = message.recipient
            found["officer subject"] = nfc(message.subject)
            found["officer email"] = nfc(message.body)
    return found


def clear_outbox() -> None:
    OutboxMessage.objects.all().delete()


# Each step: what happens before (its outbox is then cleared), and the step itself.
# It returns the complaint, the deadline the messages must show and a phrase they must carry.
def submitted(file_complaint, language, branch):
    clear_outbox()
    grievance = file_complaint(language=language)
    return grievance, FEB_16, None


def information_requested(file_complaint, language, branch):
    grievance = file_complaint(language=language)
    clear_outbox()
    workflow.request_information(
        grievance=grievance, actor=None, question=QUESTION[language], now=at(2025, 1, 6)
    )
    return grievance, None, QUESTION


def forwarded(file_complaint, language, branch):
    grievance = file_complaint(language=language)
    clear_outbox()
    workflow.forward(grievance=grievance, actor=None, to_office=branch, now=at(2025, 1, 12))
    return grievance, FEB_23, BRANCH


def disposed(file_complaint, language, branch):
    grievance = file_complaint(language=language)
    clear_outbox()
    workflow.dispose(
        grievance=grievance, actor=None, decision=DECISION[language], now=at(2025, 1, 6)
    )
    return grievance, None, APPEAL_PERIOD


def escalated(file_complaint, language, branch):
    grievance = file_complaint(language=language)
    clear_outbox()
    workflow.escalate(grievance=grievance, today=D(2025, 2, 17), now=at(2025, 2, 17, 1))
    return grievance, MAR_17, APPEAL_OFFICER


def escalated_in_the_nightly_sweep(file_complaint, language, branch):
    grievance = file_complaint(language=language)
    clear_outbox()
    workflow.escalate_overdue(today=D(2025, 2, 17), now=at(2025, 2, 17, 1))
    return grievance, MAR_17, APPEAL_OFFICER


def appealed(file_complaint, language, branch):
    grievance = file_complaint(language=language)
    workflow.dispose(grievance=grievance, actor=None, decision="Rejected", now=at(2025, 1, 6))
    clear_outbox()
    workflow.appeal(grievance=grievance, reason="Not fair", now=at(2025, 2, 5))
    return grievance, MAR_5, APPEAL_OFFICER


def closed(file_complaint, language, branch):
    grievance = file_complaint(language=language)
    workflow.dispose(grievance=grievance, actor=None, decision="Done", now=at(2025, 1, 12))
    clear_outbox()
    workflow.close(grievance=grievance, actor=None, now=at(2025, 2, 12))
    return grievance, None, None


COMPLAINANT_STEPS = [
    submitted,
    information_requested,
    forwarded,
    disposed,
    escalated,
    escalated_in_the_nightly_sweep,
    appealed,
    closed,
]

# The officer who has the case after the step, the words of the subject, the deadline shown.
OFFICER_STEPS = {
    submitted: (GRO_EMAIL, {"bn": "নতুন অভিযোগ", "en": "New complaint"}, FEB_16),
    forwarded: (GRO_EMAIL, {"bn": "এখন আপনার কাছে", "en": "is now with you"}, FEB_23),
    escalated: (APPEAL_OFFICER_EMAIL, {"bn": "এখন আপনার কাছে", "en": "is now with you"}, MAR_17),
    appealed: (APPEAL_OFFICER_EMAIL, {"bn": "এখন আপনার কাছে", "en": "is now with you"}, MAR_5),
}


@pytest.fixture
def branch(office):
    """An office under the charter's office, with no charter of its own (its parent's GRS)."""
    return Office.objects.create(parent=office, level="upazila", name_bn="শাখা", name_en="Branch")


@pytest.fixture
def officers_read(settings):
    """Officers read the site's language; the test chooses it."""

    def choose(language):
        settings.LANGUAGE_CODE = language

    return choose


@pytest.mark.django_db
@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("step", COMPLAINANT_STEPS, ids=lambda step: step.__name__)
def test_the_complainant_is_told_in_their_language(file_complaint, branch, step, language):
    other = "en" if language == "bn" else "bn"
    with translation.override(other):  # the office works in the other language
        grievance, deadline, phrase = step(file_complaint, language, branch)
    messages = queued()
    tracking = grievance.tracking_number
    for part in ("sms", "subject", "email"):
        assert_written_in(language, messages[part])
        assert tracking in messages[part], part
    if deadline is not None:
        assert nfc(deadline[language]) in messages["sms"]
        assert nfc(deadline[language]) in messages["email"]
    if phrase is not None:
        assert nfc(phrase[language]) in messages["sms"]
        assert nfc(phrase[language]) in messages["email"]
    assert f"/{language}/complaints/track/" in messages["email"]
    assert "\x00" not in messages["sms"] + messages["email"]


@pytest.mark.django_db
@pytest.mark.parametrize("language", LANGUAGES)
def test_the_receipt_sms_stays_short(file_complaint, language):
    file_complaint(language=language)
    (sms,) = OutboxMessage.objects.filter(channel=OutboxMessage.Channel.SMS)
    # Tracking number, deadline and link only: 160 characters with the test site's
    # 21-character address (one SMS in English; Bangla goes as UCS-2, 67 a part).
    assert len(sms.body) <= 160, len(sms.body)
    assert "\n" not in sms.body


@pytest.mark.django_db
@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("step", list(OFFICER_STEPS), ids=lambda step: step.__name__)
def test_the_officer_is_told_in_the_sites_language(
    file_complaint, branch, officers_read, step, language
):
    officers_read(language)
    other = "en" if language == "bn" else "bn"
    grievance, _deadline, _phrase = step(file_complaint, other, branch)  # any complainant
    recipient, subject, deadline = OFFICER_STEPS[step]
    messages = queued()
    assert messages["officer"] == recipient
    for part in ("officer subject", "officer email"):
        assert_written_in(language, messages[part])
        assert grievance.tracking_number in messages[part]
    assert nfc(subject[language]) in messages["officer subject"]
    assert nfc(deadline[language]) in messages["officer email"]
    assert f"/admin/grievances/grievance/{grievance.pk}/change/" in messages["officer email"]
    for personal in ("Rahima", COMPLAINANT_MOBILE, COMPLAINANT_EMAIL):
        assert personal not in messages["officer email"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "subject", "heading"),
    [
        (
            "bn",
            "পরবর্তী স্তরে আপনার কাছে আসা অভিযোগ",
            "২টি অভিযোগ নির্দিষ্ট সময়ে নিষ্পত্তি না হওয়ায় আপনার কাছে এসেছে (আপিল কর্মকর্তা)",
        ),
        (
            "en",
            "Escalated complaints for you",
            "2 complaints were not settled in time and have come to you (Appeal officer)",
        ),
    ],
)
def test_the_nightly_sweep_sends_each_officer_one_list(
    file_complaint, officers_read, language, subject, heading
):
    officers_read(language)
    first = file_complaint(language="bn")
    second = file_complaint(language="en")
    clear_outbox()
    workflow.escalate_overdue(today=D(2025, 2, 17), now=at(2025, 2, 17, 1))
    (batch,) = OutboxMessage.objects.filter(recipient=APPEAL_OFFICER_EMAIL)
    body = nfc(batch.body)
    assert batch.grievance_id is None
    assert_written_in(language, batch.subject)
    assert_written_in(language, body)
    assert nfc(batch.subject) == nfc(subject)
    assert body.startswith(nfc(heading))
    assert nfc(MAR_17[language]) in body.splitlines()[0]
    assert body.splitlines()[-2:] == [first.tracking_number, second.tracking_number]
    # each complainant in their own language, with their own tracking number
    for grievance, words in ((first, "অভিযোগ"), (second, "Complaint")):
        sms = OutboxMessage.objects.get(grievance=grievance, channel=OutboxMessage.Channel.SMS)
        assert nfc(sms.body).startswith(words) and grievance.tracking_number in sms.body


def _escalated_rows(count):
    """Rows as the sweep hands them over; anonymous, so only the officer hears of them."""
    return [
        SimpleNamespace(
            pk=None,
            tracking_number=f"GRS-2025-{index:06d}",
            is_anonymous=True,
            mobile="",
            email="",
            language="bn",
        )
        for index in range(count)
    ]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "count", "heading", "last_line"),
    [
        ("bn", 1, "১টি অভিযোগ নির্দিষ্ট সময়ে নিষ্পত্তি না হওয়ায় আপনার কাছে এসেছে", "GRS-2025-000000"),
        ("en", 1, "1 complaint was not settled in time and has come to you", "GRS-2025-000000"),
        ("bn", 271, "২৭১টি অভিযোগ", "এবং আরও ৭১টি"),
        ("en", 271, "271 complaints were not settled", "and 71 more"),
    ],
)
def test_a_long_escalation_list_is_cut_at_200(officers_read, language, count, heading, last_line):
    officers_read(language)
    officer = SimpleNamespace(email=APPEAL_OFFICER_EMAIL)
    upper = SimpleNamespace(level=2, officer=officer)
    rows = _escalated_rows(count)
    assert (
        notifications.queue_escalations([(upper, D(2025, 3, 17), rows)], now=at(2025, 2, 17)) == 1
    )
    body = nfc(OutboxMessage.objects.get().body)
    assert_written_in(language, body)
    assert body.startswith(nfc(heading))
    assert nfc(MAR_17[language]) in body
    lines = body.splitlines()
    assert lines[-1] == nfc(last_line)
    assert len([line for line in lines if TRACKING_NUMBER.fullmatch(line)]) == min(count, 200)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "subject", "heading", "overdue_line", "due_line"),
    [
        (
            "bn",
            "শিগগির নিষ্পত্তি করতে হবে এমন অভিযোগ: ২টি",
            "৫ কার্যদিবসের মধ্যে নিষ্পত্তি করতে হবে এমন অভিযোগ:",
            "{overdue}  ১৬ ফেব্রুয়ারি ২০২৫  সময়সীমা পার হয়েছে",
            "{due}  ২৩ ফেব্রুয়ারি ২০২৫",
        ),
        (
            "en",
            "Complaints due soon: 2",
            "Complaints due within 5 working days:",
            "{overdue}  16 February 2025  overdue",
            "{due}  23 February 2025",
        ),
    ],
)
def test_the_officer_digest(
    file_complaint, officers_read, language, subject, heading, overdue_line, due_line
):
    officers_read(language)
    overdue = file_complaint(now=at(2025, 1, 5))  # deadline Sunday 16 February
    due = file_complaint(now=at(2025, 1, 12))  # deadline Sunday 23 February
    clear_outbox()
    # Monday 17 February: five working days on is Monday 24 February.
    assert notifications.queue_officer_digests(today=D(2025, 2, 17)) == 1
    digest = OutboxMessage.objects.get()
    assert digest.recipient == GRO_EMAIL
    assert_written_in(language, digest.subject)
    assert_written_in(language, digest.body)
    assert nfc(digest.subject) == nfc(subject)
    numbers = {"overdue": overdue.tracking_number, "due": due.tracking_number}
    assert nfc(digest.body).splitlines() == [
        nfc(heading),
        "",
        nfc(overdue_line.format(**numbers)),
        nfc(due_line.format(**numbers)),
    ]


def test_the_checks_catch_ascii_digits_and_iso_dates():
    """The language checks above can fail."""
    url = "http://127.0.0.1:8000/bn/complaints/track/"
    assert_written_in("bn", f"অভিযোগ GRS-2025-AB23CD গৃহীত হয়েছে। ১৬ ফেব্রুয়ারি ২০২৫। {url}")
    for wrong in (
        "অভিযোগ GRS-2025-AB23CD: 30 দিনের মধ্যে",
        "অভিযোগ GRS-2025-AB23CD: 2025-02-16",
        "অভিযোগ GRS-2025-AB23CD: ২০২৫-০২-১৬",
    ):
        with pytest.raises(AssertionError):
            assert_written_in("bn", wrong)
    for wrong in ("Complaint received 2025-02-16", "Complaint ১৬ February", "\nComplaint"):
        with pytest.raises(AssertionError):
            assert_written_in("en", wrong)
