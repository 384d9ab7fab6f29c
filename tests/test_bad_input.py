"""The bad-input corpus: every form field, query parameter and URL, fed what people and
robots really send. Each case ends in a clear message in the page's language, a 4xx
answer, or the input stored exactly (and shown escaped); never a 500, never half a
complaint or a stray file."""

import io
import json
import unicodedata
from dataclasses import dataclass, field

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape
from django.utils.translation import gettext_lazy as _
from PIL import Image

from grievances.attachments import MAX_ATTACHMENT_BYTES
from grievances.models import Attachment, Grievance, TimelineEntry
from tests.helpers import PDF, VALID, image_bytes, stored, url

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("private_media", "sms_outbox")]

REQUIRED = _("This field is required.")
CONTROL = _("Remove the invisible control characters from this text.")
UNREADABLE = _("Part of this text could not be read. Please type it again.")
MOBILE = _(
    "Enter a Bangladesh mobile number: 11 digits starting with 013 to 019, for example 01712345678."
)
EMAIL = _("Enter a valid email address.")
CHOICE = _("Select a valid choice. That choice is not one of the available choices.")
DATE = _("Enter a valid date.")
NO_MATCH = _("No complaint matches this tracking number and mobile number.")


def too_long(limit: int, length: int):
    return lambda: (
        _("Write at most %(limit_value)d characters (this has %(show_value)d).")
        % {
            "limit_value": limit,
            "show_value": length,
        }
    )


def invalid_choice(value: str):
    return lambda: (
        _("Select a valid choice. %(value)s is not one of the available choices.")
        % {"value": value}
    )


# --- Images and files ---


def bomb_png() -> bytes:
    out = io.BytesIO()
    Image.new("1", (20_000, 20_000)).save(out, format="PNG", optimize=True)  # 400 megapixels
    return out.getvalue()


def upload(name: str, data: bytes, content_type="application/octet-stream"):
    return SimpleUploadedFile(name, data, content_type=content_type)


# --- The corpus: the complaint form, field by field ---


@dataclass
class FormCase:
    id: str
    changes: dict
    field: str  # where the message appears; "__all__" for the form's own
    message: object  # a lazy string, or a callable giving one
    files: list = field(default_factory=list)

    def expected(self) -> str:
        message = self.message() if callable(self.message) else self.message
        return escape(str(message))


FORM_CASES = [
    # empty, only spaces, too long
    FormCase("subject-empty", {"subject": ""}, "subject", REQUIRED),
    FormCase("subject-spaces", {"subject": "   \t  "}, "subject", REQUIRED),
    FormCase("subject-too-long", {"subject": "ক" * 201}, "subject", too_long(200, 201)),
    FormCase("description-empty", {"description": ""}, "description", REQUIRED),
    FormCase("description-newlines-only", {"description": "\r\n\r\n"}, "description", REQUIRED),
    FormCase(
        "description-too-long", {"description": "a" * 5001}, "description", too_long(5000, 5001)
    ),
    FormCase("name-empty", {"name": ""}, "name", REQUIRED),
    FormCase("name-spaces", {"name": "    "}, "name", REQUIRED),
    FormCase("name-too-long", {"name": "র" * 201}, "name", too_long(200, 201)),
    FormCase("address-empty", {"permanent_address": ""}, "permanent_address", REQUIRED),
    FormCase(
        "address-too-long",
        {"permanent_address": "x" * 501},
        "permanent_address",
        too_long(500, 501),
    ),
    FormCase(
        "other-service-too-long",
        {"other_service": "y" * 301},
        "other_service",
        too_long(300, 301),
    ),
    FormCase(
        "service-tracking-too-long",
        {"service_tracking_number": "7" * 61},
        "service_tracking_number",
        too_long(60, 61),
    ),
    FormCase(
        "no-service-at-all",
        {"other_service": "  "},
        "other_service",
        _("Choose the service from the list or write its name."),
    ),
    # control characters, NUL bytes, bidirectional overrides
    FormCase("subject-nul", {"subject": "No\x00reply"}, "subject", CONTROL),
    FormCase("subject-escape", {"subject": "No \x1b[31mreply"}, "subject", CONTROL),
    FormCase("subject-bidi-override", {"subject": "abc\u202egpj.exe"}, "subject", CONTROL),
    FormCase("description-nul", {"description": "a\x00b"}, "description", CONTROL),
    FormCase("description-bell", {"description": "ring\x07"}, "description", CONTROL),
    FormCase("name-nul", {"name": "Rahima\x00"}, "name", CONTROL),
    FormCase("id-number-nul", {"id_number": "1234\x00567890"}, "id_number", CONTROL),
    FormCase("address-c1-control", {"present_address": "Kau\x85nia"}, "present_address", CONTROL),
    FormCase("mobile-nul", {"mobile": "0171234\x005678"}, "mobile", CONTROL),
    FormCase("email-nul", {"email": "a\x00@example.com"}, "email", CONTROL),
    FormCase("other-service-del", {"other_service": "Train\x7fing"}, "other_service", CONTROL),
    FormCase("subject-replacement-char", {"subject": "bad \ufffd bytes"}, "subject", UNREADABLE),
    # phone numbers
    FormCase("mobile-empty", {"mobile": ""}, "mobile", REQUIRED),
    FormCase("mobile-too-short", {"mobile": "0171234567"}, "mobile", MOBILE),
    FormCase("mobile-bangla-digits-short", {"mobile": "০১৭১২৩৪৫৬৭"}, "mobile", MOBILE),
    FormCase("mobile-bangla-digits-bad-operator", {"mobile": "০১২১২৩৪৫৬৭৮"}, "mobile", MOBILE),
    FormCase("mobile-landline", {"mobile": "0521-62233"}, "mobile", MOBILE),
    FormCase("mobile-foreign", {"mobile": "+1 202 555 0100"}, "mobile", MOBILE),
    FormCase("mobile-letters", {"mobile": "01712abcdef"}, "mobile", MOBILE),
    FormCase("mobile-sql", {"mobile": "0171' OR '1'='1"}, "mobile", MOBILE),
    FormCase("mobile-too-long", {"mobile": "0" * 21}, "mobile", too_long(20, 21)),
    # e-mail
    FormCase("email-no-domain", {"email": "rahima@"}, "email", EMAIL),
    FormCase("email-header-injection", {"email": "a@b.com\nBcc: x@y.z"}, "email", EMAIL),
    FormCase(
        "email-too-long",
        {"email": "r" * 250 + "@example.com"},
        "email",
        too_long(254, 262),
    ),
    # identity documents
    FormCase(
        "nid-wrong-length",
        {"id_number": "12345"},
        "id_number",
        _("A national ID number has 10, 13 or 17 digits."),
    ),
    FormCase(
        "nid-letters",
        {"id_number": "ABCDEFGHIJ"},
        "id_number",
        _("A national ID number has 10, 13 or 17 digits."),
    ),
    FormCase(
        "birth-registration-16-digits",
        {"id_type": "birth", "id_number": "1" * 16},
        "id_number",
        _("A birth registration number has 17 digits."),
    ),
    FormCase(
        "passport-short",
        {"id_type": "passport", "id_number": "A0123"},
        "id_number",
        _("A passport number has 8 or 9 letters and digits, for example A01234567."),
    ),
    FormCase("id-type-unknown", {"id_type": "driving"}, "id_type", invalid_choice("driving")),
    FormCase("id-type-empty", {"id_type": ""}, "id_type", REQUIRED),
    # choices and unknown ids
    FormCase(
        "complaint-type-unknown",
        {"complaint_type": "<b>x</b>"},
        "complaint_type",
        invalid_choice("<b>x</b>"),
    ),
    FormCase("complaint-type-empty", {"complaint_type": ""}, "complaint_type", REQUIRED),
    FormCase("service-unknown-id", {"service": "999999"}, "service", CHOICE),
    FormCase("service-not-a-number", {"service": "abc"}, "service", CHOICE),
    FormCase("service-sql", {"service": "1; DROP TABLE grievances_grievance"}, "service", CHOICE),
    FormCase("service-huge-number", {"service": "9" * 30}, "service", CHOICE),
    FormCase("service-nul", {"service": "\x00"}, "service", CHOICE),
    FormCase("service-negative", {"service": "-1"}, "service", CHOICE),
    # dates
    FormCase(
        "date-future",
        {"service_applied_on": "2099-12-31"},
        "service_applied_on",
        _("The date cannot be in the future."),
    ),
    FormCase(
        "date-future-bangla-digits",
        {"service_applied_on": "৩১/১২/২০৯৯"},
        "service_applied_on",
        _("The date cannot be in the future."),
    ),
    FormCase(
        "date-before-any-service",
        {"service_applied_on": "1925-01-01"},
        "service_applied_on",
        _("The date is too long ago: check the year."),
    ),
    FormCase(
        "date-year-one",
        {"service_applied_on": "0001-01-01"},
        "service_applied_on",
        _("The date is too long ago: check the year."),
    ),
    FormCase("date-31-february", {"service_applied_on": "31/02/2025"}, "service_applied_on", DATE),
    FormCase("date-words", {"service_applied_on": "yesterday"}, "service_applied_on", DATE),
    FormCase("date-nul", {"service_applied_on": "2025-01-\x0001"}, "service_applied_on", DATE),
    FormCase("date-sql", {"service_applied_on": "2025-01-01' --"}, "service_applied_on", DATE),
    # robots
    FormCase(
        "honeypot-filled",
        {"website": "http://spam.example"},
        "__all__",
        _("The form could not be sent."),
    ),
    # attachments
    FormCase(
        "attachment-executable",
        {},
        "attachments",
        lambda: _("“%(name)s” is not a JPEG, PNG or PDF file.") % {"name": "setup.exe"},
        files=[("setup.exe", b"MZ\x90\x00" + b"\x00" * 200)],
    ),
    FormCase(
        "attachment-text-named-jpg",
        {},
        "attachments",
        lambda: _("“%(name)s” is not a JPEG, PNG or PDF file.") % {"name": "photo.jpg"},
        files=[("photo.jpg", b"just some text, not a photo")],
    ),
    FormCase(
        "attachment-html-named-pdf",
        {},
        "attachments",
        lambda: _("“%(name)s” is not a JPEG, PNG or PDF file.") % {"name": "x.pdf"},
        files=[("x.pdf", b"<html><script>alert(1)</script></html>")],
    ),
    FormCase(
        "attachment-truncated-jpeg",
        {},
        "attachments",
        _("The image could not be read."),
        files=[("broken.jpg", image_bytes()[:60])],
    ),
    FormCase(
        "attachment-decompression-bomb",
        {},
        "attachments",
        _("The image is too large."),
        files=[("bomb.png", bomb_png())],
    ),
    FormCase(
        "attachment-over-5-mb",
        {},
        "attachments",
        lambda: _("“%(name)s” is larger than 5 MB.") % {"name": "big.pdf"},
        files=[("big.pdf", PDF + b"0" * MAX_ATTACHMENT_BYTES)],
    ),
    FormCase(
        "attachment-four-files",
        {},
        "attachments",
        lambda: _("Attach at most %(count)s files.") % {"count": 3},
        files=[(f"{n}.pdf", PDF) for n in range(4)],
    ),
    FormCase(
        "attachment-good-file-beside-a-bad-one",
        {},
        "attachments",
        lambda: _("“%(name)s” is not a JPEG, PNG or PDF file.") % {"name": "b.jpg"},
        files=[("a.pdf", PDF), ("b.jpg", b"GIF89a not allowed")],
    ),
]


def post_form(client: Client, language: str, case: FormCase):
    data = {**VALID, **case.changes}
    if case.files:
        data["attachments"] = [upload(name, content) for name, content in case.files]
    return client.post(url("grievances:new", language), data)


@pytest.mark.parametrize("language", ["bn", "en"])
@pytest.mark.parametrize("case", FORM_CASES, ids=[case.id for case in FORM_CASES])
def test_a_bad_complaint_form_gets_a_message_in_the_page_language_and_stores_nothing(
    client, charter, private_media, case, language
):
    before = stored(private_media)
    response = post_form(client, language, case)
    assert response.status_code == 200
    html = response.content.decode()
    assert f'<html lang="{language}">' in html
    with translation.override(language):
        expected = case.expected()
    assert expected in html, f"{case.id}: {expected!r} not on the {language} page"
    if case.field != "__all__":
        assert f'id="id_{case.field}_error"' in html
    assert stored(private_media) == before


def test_a_bangla_page_says_a_missing_field_in_bangla(client, charter):
    html = post_form(client, "bn", FORM_CASES[0]).content.decode()
    assert "এটি আবশ্যক।" in html and "This field is required." not in html


def test_an_english_page_says_it_in_english(client, charter):
    html = post_form(client, "en", FORM_CASES[0]).content.decode()
    assert "This field is required." in html


# --- Raw bytes that are not UTF-8 ---


def test_invalid_utf8_in_a_form_body_is_refused_as_unreadable(client, charter, private_media):
    before = stored(private_media)
    body = "&".join(f"{k}={v}" for k, v in VALID.items() if k != "subject").encode()
    body += b"&subject=No+reply+%FF%FE+\xc3\x28"
    response = client.post(
        url("grievances:new", "en"), body, content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 200
    assert escape(str(UNREADABLE)) in response.content.decode()
    assert stored(private_media) == before


def test_invalid_utf8_in_a_multipart_body_is_refused_as_unreadable(client, charter, private_media):
    before = stored(private_media)
    boundary = "BoUnDaRy"
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
        for k, v in VALID.items()
        if k != "description"
    ]
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="description"\r\n\r\n'.encode()
        + b"\xff\xfe\xfd bytes\r\n"
    )
    body = b"".join(parts) + f"--{boundary}--\r\n".encode()
    response = client.post(
        url("grievances:new", "bn"), body, content_type=f"multipart/form-data; boundary={boundary}"
    )
    assert response.status_code == 200
    with translation.override("bn"):
        assert escape(str(UNREADABLE)) in response.content.decode()
    assert stored(private_media) == before


# --- Input that is valid however odd it looks: stored exactly, shown escaped ---

NFD_BANGLA = unicodedata.normalize("NFD", "আমার আবেদনের কোনো উত্তর পাইনি, বড় সমস্যা")
PRECOMPOSED_YA = "\u09df"  # য় as one code point: NFC decomposes it into য + nukta


@pytest.mark.parametrize(
    ("field_name", "value"),
    [
        ("subject", "Robert'); DROP TABLE grievances_grievance;--"),
        ("description", "1' OR '1'='1'; -- /* */ %_ \\"),
        ("subject", "<script>alert('x')</script>"),
        ("description", '<img src=x onerror="alert(1)"><a href="javascript:alert(2)">x</a>'),
        ("name", "{{ settings.SECRET_KEY }} {% debug %}"),
        ("subject", NFD_BANGLA),
        ("description", f"আমি {PRECOMPOSED_YA} লিখেছি, আর ত\u09cd\u200dও"),
        ("name", "মোছাঃ রহিমা বেগম\u200c"),
    ],
    ids=[
        "sql-subject",
        "sql-description",
        "script-subject",
        "html-description",
        "template-tags-name",
        "bangla-nfd-subject",
        "bangla-precomposed-ya",
        "bangla-zwnj-name",
    ],
)
def test_odd_but_valid_text_is_stored_in_nfc_and_shown_escaped(
    client, charter, field_name, value, admin_client
):
    response = client.post(url("grievances:new", "bn"), {**VALID, field_name: value})
    assert response.status_code == 302
    grievance = Grievance.objects.get()
    assert getattr(grievance, field_name) == unicodedata.normalize("NFC", value.strip())
    # the citizen's tracking page and the officer's admin page show it as text
    client.post(
        url("grievances:track", "bn"),
        {"tracking_number": grievance.tracking_number, "mobile": VALID["mobile"]},
    )
    pages = [
        client.get(url("grievances:case", "bn", tracking_number=grievance.tracking_number)),
        admin_client.get(reverse("admin:grievances_grievance_change", args=[grievance.pk])),
    ]
    for page in pages:
        assert page.status_code == 200
        html = page.content.decode()
        assert "<script>alert" not in html and "<img src=x" not in html
        assert "SECRET" not in html or "settings.SECRET_KEY" in html


# --- Attachments that pass, whatever their names say ---


@pytest.mark.parametrize(
    ("name", "data", "content_type", "extension"),
    [
        ("scan.jpg", PDF, "application/pdf", "pdf"),  # a PDF renamed .jpg is a PDF
        ("photo.pdf", image_bytes("PNG"), "image/png", "png"),
        ("../../../../etc/passwd.jpg", image_bytes(), "image/jpeg", "jpg"),
        ("..\\..\\windows\\win.ini.jpg", image_bytes(), "image/jpeg", "jpg"),
        ("ছবি ও দলিল.jpeg", image_bytes(), "image/jpeg", "jpg"),
    ],
    ids=["pdf-renamed-jpg", "png-renamed-pdf", "path-traversal", "windows-traversal", "bangla"],
)
def test_an_attachment_is_kept_by_its_content_under_a_private_name(
    client, charter, private_media, name, data, content_type, extension
):
    response = client.post(
        url("grievances:new", "en"), {**VALID, "attachments": [upload(name, data)]}
    )
    assert response.status_code == 302
    attachment = Attachment.objects.get()
    assert attachment.content_type == content_type
    assert "/" not in attachment.original_name and ".." not in attachment.original_name.strip(".")
    stored_path = (private_media / attachment.file.name).resolve()
    assert stored_path.is_relative_to(private_media.resolve())
    assert stored_path.suffix == f".{extension}"
    files = [p for p in private_media.rglob("*") if p.is_file()]
    assert files == [stored_path]


# --- The tracking form ---

TRACK_CASES = [
    ("tracking-empty", {"tracking_number": ""}, REQUIRED),
    ("mobile-empty", {"mobile": ""}, REQUIRED),
    ("both-spaces", {"tracking_number": "   ", "mobile": "  "}, REQUIRED),
    ("tracking-too-long", {"tracking_number": "G" * 31}, too_long(30, 31)),
    ("tracking-nul", {"tracking_number": "GRS-2025-\x00AAAAA"}, CONTROL),
    ("tracking-sql", {"tracking_number": "' OR 1=1 --"}, NO_MATCH),
    ("tracking-unknown", {"tracking_number": "GRS-2025-ZZZZZZ"}, NO_MATCH),
    ("tracking-bangla-digits", {"tracking_number": "GRS-২০২৫-ZZZZZZ"}, NO_MATCH),
    ("mobile-bad", {"mobile": "12345"}, MOBILE),
    ("mobile-bangla-digits-no-match", {"mobile": "০১৮১২৩৪৫৬৭৮"}, NO_MATCH),
    ("tracking-unreadable", {"tracking_number": "GRS\ufffd"}, UNREADABLE),
]


@pytest.mark.parametrize("language", ["bn", "en"])
@pytest.mark.parametrize(
    ("changes", "message"), [c[1:] for c in TRACK_CASES], ids=[c[0] for c in TRACK_CASES]
)
def test_a_bad_tracking_lookup_gets_a_message_and_shows_nothing(
    client, charter, changes, message, language
):
    data = {"tracking_number": "GRS-2025-K7M3QX", "mobile": "01712345678", **changes}
    response = client.post(url("grievances:track", language), data)
    assert response.status_code == 200
    with translation.override(language):
        expected = escape(str(message() if callable(message) else message))
    assert expected in response.content.decode()


# --- Appeal and rating forms of a case the visitor may see ---


@pytest.fixture
def disposed_case(client, charter, django_user_model):
    from grievances import workflow

    client.post(url("grievances:new", "en"), VALID)
    grievance = Grievance.objects.get()
    officer = django_user_model.objects.create_user("gro", is_staff=True)
    workflow.dispose(grievance=grievance, actor=officer, decision="Training given.")
    client.post(
        url("grievances:track", "en"),
        {"tracking_number": grievance.tracking_number, "mobile": VALID["mobile"]},
    )
    return grievance


@pytest.mark.parametrize(
    ("action", "data", "message"),
    [
        ("appeal", {"reason": ""}, REQUIRED),
        ("appeal", {"reason": "   "}, REQUIRED),
        ("appeal", {"reason": "unfair\x00"}, CONTROL),
        ("appeal", {"reason": "z" * 3001}, too_long(3000, 3001)),
        ("rate", {"satisfied": "maybe"}, invalid_choice("maybe")),
        ("rate", {"satisfied": "yes", "comment": "ok\x00"}, CONTROL),
        ("rate", {"satisfied": "no", "comment": "c" * 1001}, too_long(1000, 1001)),
    ],
    ids=[
        "appeal-empty",
        "appeal-spaces",
        "appeal-nul",
        "appeal-too-long",
        "rate-unknown",
        "rate-comment-nul",
        "rate-comment-too-long",
    ],
)
def test_bad_appeal_or_rating_gets_a_message_and_changes_nothing(
    client, disposed_case, action, data, message
):
    entries = TimelineEntry.objects.count()
    response = client.post(
        url(f"grievances:{action}", "en", tracking_number=disposed_case.tracking_number), data
    )
    assert response.status_code == 400
    expected = escape(str(message() if callable(message) else message))
    assert expected in response.content.decode()
    assert TimelineEntry.objects.count() == entries
    disposed_case.refresh_from_db()
    assert disposed_case.status == Grievance.Status.DISPOSED


# --- URLs and query parameters ---

LONG = "x" * 5000

URL_CASES = [
    # search
    ("GET", "/bn/services/search/", {"q": LONG}, {200}),
    ("GET", "/bn/services/search/", {"q": "\x00"}, {200}),
    ("GET", "/en/services/search/", {"q": "' OR 1=1; --"}, {200}),
    ("GET", "/en/services/search/", {"q": "<script>alert(1)</script>"}, {200}),
    ("GET", "/bn/services/search/", {"q": NFD_BANGLA}, {200}),
    ("GET", "/bn/services/search/", {"q": ["a", "b"], "page": "-1"}, {200}),
    ("RAW", "/bn/services/search/", "q=%FF%FE&q2=\xff\xfe", {200}),
    # the language switch
    ("GET", "/lang/en/", {"next": "https://evil.example/"}, {302}),
    ("GET", "/lang/en/", {"next": "//evil.example/path"}, {302}),
    ("GET", "/lang/en/", {"next": "javascript:alert(1)"}, {302}),
    ("GET", "/lang/bn/", {"next": "/en/\x00"}, {302}),
    ("GET", "/lang/bn/", {"next": "/en/" + LONG}, {302}),
    ("GET", "/lang/bn/", {"next": "\\\\evil.example"}, {302}),
    ("RAW", "/lang/bn/", "next=/en/%FF%FE/", {302}),
    ("GET", "/lang/xx/", {}, {404}),
    ("GET", "/lang/%00/", {}, {404}),
    # nonsense addresses
    ("GET", "/bn/services/nonsense/", {}, {404}),
    ("GET", "/bn/services/citizen/0/", {}, {404}),
    ("GET", "/bn/services/citizen/" + "9" * 30 + "/", {}, {404}),
    ("GET", "/bn/services/%FF%FE/", {}, {404}),
    ("GET", "/bn/services/citizen/1/%00/", {}, {404}),
    ("GET", "/xx/services/", {}, {404}),
    ("GET", "/bn/services/nonsense.csv", {}, {404}),
    ("GET", "/bn/" + "a/" * 500, {}, {404}),
    ("GET", "/bn/complaints/receipt/GRS-2025-K7M3QX/", {}, {404}),
    ("GET", "/bn/complaints/receipt/%00/", {}, {404}),
    ("GET", "/bn/complaints/track/GRS-2025-K7M3QX/", {}, {404}),
    ("GET", "/bn/complaints/track/' OR 1=1 --/", {}, {404}),
    ("POST", "/bn/complaints/track/GRS-2025-K7M3QX/appeal/", {"reason": "x"}, {404}),
    ("GET", "/bn/complaints/track/GRS-2025-K7M3QX/appeal/", {}, {405}),
    ("POST", "/en/complaints/track/%00/rate/", {"satisfied": "yes"}, {404}),
    ("GET", "/bn/complaints/new/", {"service": "abc", "next": "//evil"}, {200}),
    ("GET", "/bn/services/citizen.csv", {"x": "\x00"}, {200}),
    ("GET", "/media/grievances/0123456789abcdef.jpg", {}, {404}),
    ("GET", "/media/../private_media/grievances/x.jpg", {}, {404}),
    ("GET", "/private_media/grievances/x.jpg", {}, {404}),
    # Open311
    # A control character in any Open311 parameter: 400 in the spec's shape.
    ("GET", "/open311/v2/requests.json", {"service_request_id": "\x00,1,abc"}, {400}),
    ("GET", "/open311/v2/requests.json", {"start_date": "yesterday"}, {400}),
    ("GET", "/open311/v2/requests.json", {"start_date": "9999-99-99T99:99:99Z"}, {400}),
    ("GET", "/open311/v2/requests.json", {"end_date": "\x00"}, {400}),
    ("GET", "/open311/v2/requests.json", {"status": "<b>open</b>"}, {200, 400}),
    ("GET", "/open311/v2/requests.json", {"service_code": "citizen-99999999999999999999"}, {200}),
    ("GET", "/open311/v2/requests.json", {"service_code": "'; DROP TABLE x; --"}, {200, 400}),
    ("GET", "/open311/v2/requests.json", {"jurisdiction_id": "\x00" * 3}, {200, 400}),
    ("RAW", "/open311/v2/requests.json", "service_code=%FF%FE", {200, 400}),
    ("GET", "/open311/v2/requests/" + "9" * 30 + ".json", {}, {404}),
    ("GET", "/open311/v2/requests/abc.json", {}, {404}),
    ("GET", "/open311/v2/services/%00.json", {}, {404}),
    ("GET", "/open311/v2/services/citizen-1.yaml", {}, {404}),
    ("POST", "/open311/v2/requests.json", {"service_code": "citizen-1"}, {403}),
    ("POST", "/open311/v2/requests.json", {"api_key": "\x00", "service_code": "x"}, {400}),
]


@pytest.mark.parametrize(
    ("method", "path", "params", "statuses"),
    URL_CASES,
    ids=[f"{i:02d}-{c[0]}-{c[1][:40]}" for i, c in enumerate(URL_CASES)],
)
def test_nonsense_addresses_and_parameters_get_an_answer_never_a_500(
    charter, method, path, params, statuses
):
    client = Client(raise_request_exception=False)
    if method == "RAW":
        response = client.get(path, QUERY_STRING=params)
    elif method == "POST":
        response = client.post(path, params)
    else:
        response = client.get(path, params)
    assert response.status_code in statuses
    if response.status_code == 302:
        location = response["Location"]
        assert location.startswith("/") and not location.startswith(("//", "/\\"))
    if path.startswith("/open311/") and response.status_code != 404:
        json.loads(response.content)  # an Open311 answer, errors included
    body = response.content.decode(errors="replace")
    assert "<script>alert" not in body
    assert "Traceback" not in body


def test_the_search_shows_a_script_query_as_text(client, charter):
    html = client.get("/en/services/search/", {"q": "<script>alert(1)</script>"}).content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def _inputs_collected(module_node, leave_out: str) -> list[str]:
    """The inputs pytest collects from this module: one per test item, except that an input
    sent to both the Bangla and the English page counts once (its Bangla item)."""
    inputs = []
    for item in module_node.collect():
        callspec = getattr(item, "callspec", None)
        language = callspec.params.get("language", "bn") if callspec else "bn"
        if item.originalname != leave_out and language == "bn":
            inputs.append(item.nodeid)
    return inputs


def test_the_corpus_has_at_least_60_cases(request):
    # pytest collects this module again, whatever -k or node id selected this one test, so
    # deleting a case from any list, or a test function, lowers the count.
    inputs = _inputs_collected(request.node.parent, leave_out=request.node.originalname)
    assert len(inputs) >= 60, len(inputs)
