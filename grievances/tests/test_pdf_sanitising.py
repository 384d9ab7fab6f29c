"""Uploaded PDFs are rewritten: the pages and what they show stay, scripts, actions run on
opening, embedded files and interactive forms do not."""

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from pypdf import PdfReader, PdfWriter
from pypdf.generic import (
    ArrayObject,
    DecodedStreamObject,
    DictionaryObject,
    FloatObject,
    NameObject,
    NumberObject,
    TextStringObject,
)

from grievances.attachments import clean_upload
from grievances.models import Attachment

pytestmark = pytest.mark.usefixtures("english")

ACTIVE = [b"/JavaScript", b"/JS", b"/OpenAction", b"/AA", b"/EmbeddedFile", b"/Launch"]
TEXTS = ["Evidence page one", "Evidence page two"]


def name(value: str) -> NameObject:
    return NameObject(value)


def javascript(code: str) -> DictionaryObject:
    return DictionaryObject(
        {
            name("/Type"): name("/Action"),
            name("/S"): name("/JavaScript"),
            name("/JS"): TextStringObject(code),
        }
    )


def page_with_text(writer: PdfWriter, text: str):
    page = writer.add_blank_page(width=595, height=842)
    font = DictionaryObject(
        {
            name("/Type"): name("/Font"),
            name("/Subtype"): name("/Type1"),
            name("/BaseFont"): name("/Helvetica"),
        }
    )
    page[name("/Resources")] = DictionaryObject(
        {name("/Font"): DictionaryObject({name("/F1"): writer._add_object(font)})}
    )
    content = DecodedStreamObject()
    content.set_data(f"BT /F1 24 Tf 72 720 Td ({text}) Tj ET".encode())
    page[name("/Contents")] = writer._add_object(content)
    return page


def pdf(writer: PdfWriter) -> bytes:
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def plain_pdf() -> bytes:
    writer = PdfWriter()
    for text in TEXTS:
        page_with_text(writer, text)
    return pdf(writer)


def active_pdf() -> bytes:
    """Two pages of text, and everything that can make a PDF act."""
    writer = PdfWriter()
    first, _second = (page_with_text(writer, text) for text in TEXTS)
    root = writer._root_object
    # A script run on opening.
    root[name("/OpenAction")] = writer._add_object(javascript("app.alert('opened')"))
    # Actions on the document and on a page.
    root[name("/AA")] = DictionaryObject({name("/WC"): javascript("app.alert('closing')")})
    first[name("/AA")] = DictionaryObject({name("/O"): javascript("app.alert('page')")})
    # A file inside the PDF, and a script in the document's JavaScript name tree.
    writer.add_attachment("invoice.exe", b"MZ\x90\x00 not a real program")
    root["/Names"][name("/JavaScript")] = DictionaryObject(
        {
            name("/Names"): ArrayObject(
                [TextStringObject("start"), writer._add_object(javascript("app.alert(2)"))]
            )
        }
    )
    # A link that launches a program, and a form field with a script and XFA.
    launch = DictionaryObject(
        {
            name("/S"): name("/Launch"),
            name("/F"): TextStringObject("cmd.exe"),
        }
    )
    link = DictionaryObject(
        {
            name("/Type"): name("/Annot"),
            name("/Subtype"): name("/Link"),
            name("/Rect"): ArrayObject([FloatObject(v) for v in (72, 72, 200, 100)]),
            name("/A"): launch,
        }
    )
    field = DictionaryObject(
        {
            name("/Type"): name("/Annot"),
            name("/Subtype"): name("/Widget"),
            name("/FT"): name("/Tx"),
            name("/T"): TextStringObject("amount"),
            name("/Rect"): ArrayObject([FloatObject(v) for v in (72, 200, 200, 220)]),
            name("/AA"): DictionaryObject({name("/K"): javascript("event.rc = true;")}),
        }
    )
    field_ref = writer._add_object(field)
    first[name("/Annots")] = ArrayObject([writer._add_object(link), field_ref])
    root[name("/AcroForm")] = DictionaryObject(
        {
            name("/Fields"): ArrayObject([field_ref]),
            name("/XFA"): TextStringObject("<xdp:xdp><script>app.alert(1)</script></xdp:xdp>"),
        }
    )
    return pdf(writer)


def upload(data: bytes, filename="evidence.pdf"):
    return SimpleUploadedFile(filename, data, content_type="application/pdf")


def assert_inert_with_the_same_pages(data: bytes):
    for marker in ACTIVE:
        assert marker not in data, marker
    reader = PdfReader(io.BytesIO(data))
    assert len(reader.pages) == len(TEXTS)
    for page, text in zip(reader.pages, TEXTS, strict=True):
        assert text in page.extract_text()
    assert "/AcroForm" not in reader.trailer["/Root"]
    assert "/Names" not in reader.trailer["/Root"]


def test_the_test_pdf_really_carries_every_kind_of_active_content():
    data = active_pdf()
    for marker in ACTIVE:
        assert marker in data, marker
    root = PdfReader(io.BytesIO(data)).trailer["/Root"]
    assert {"/OpenAction", "/AA", "/AcroForm", "/Names"} <= set(root)
    assert set(root["/Names"]) == {"/JavaScript", "/EmbeddedFiles"}


def test_scripts_actions_forms_and_embedded_files_are_removed_and_the_pages_kept():
    cleaned = clean_upload(upload(active_pdf()))
    assert cleaned.content_type == "application/pdf"
    assert_inert_with_the_same_pages(cleaned.data)
    page = PdfReader(io.BytesIO(cleaned.data)).pages[0]
    # The link stays a rectangle on the page, without its action; the field keeps its place.
    annotations = [annotation.get_object() for annotation in page["/Annots"]]
    assert [a["/Subtype"] for a in annotations] == ["/Link", "/Widget"]
    assert all("/A" not in a and "/AA" not in a for a in annotations)


def test_a_plain_pdf_keeps_its_pages_and_text():
    cleaned = clean_upload(upload(plain_pdf()))
    assert_inert_with_the_same_pages(cleaned.data)


def test_a_file_attachment_annotation_is_left_out():
    writer = PdfWriter()
    for text in TEXTS:
        page_with_text(writer, text)
    embedded = DecodedStreamObject()
    embedded.set_data(b"MZ\x90\x00")
    embedded[name("/Type")] = name("/EmbeddedFile")
    spec = DictionaryObject(
        {
            name("/Type"): name("/Filespec"),
            name("/F"): TextStringObject("run.exe"),
            name("/EF"): DictionaryObject({name("/F"): writer._add_object(embedded)}),
        }
    )
    annotation = DictionaryObject(
        {
            name("/Type"): name("/Annot"),
            name("/Subtype"): name("/FileAttachment"),
            name("/Rect"): ArrayObject([NumberObject(v) for v in (10, 10, 30, 30)]),
            name("/FS"): spec,
        }
    )
    writer.pages[1][name("/Annots")] = ArrayObject([writer._add_object(annotation)])
    data = pdf(writer)
    assert b"/EmbeddedFile" in data and b"MZ\x90\x00" in data
    cleaned = clean_upload(upload(data))
    assert_inert_with_the_same_pages(cleaned.data)
    assert b"MZ\x90\x00" not in cleaned.data and b"run.exe" not in cleaned.data


def test_names_spelled_with_escapes_are_found_too():
    # "/J#61vaScript" is "/JavaScript" to a PDF reader.
    data = active_pdf().replace(b"/JavaScript", b"/J#61vaScript")
    assert b"/JavaScript" not in data
    cleaned = clean_upload(upload(data))  # the offsets moved: the cross-reference is rebuilt
    assert_inert_with_the_same_pages(cleaned.data)
    assert b"#61" not in cleaned.data


def test_a_pdf_with_an_empty_owner_password_is_rewritten_without_it():
    writer = PdfWriter(clone_from=io.BytesIO(plain_pdf()))
    writer.encrypt(user_password="", owner_password="owner", algorithm="RC4-128")
    data = pdf(writer)
    assert PdfReader(io.BytesIO(data)).is_encrypted
    cleaned = clean_upload(upload(data))
    assert not PdfReader(io.BytesIO(cleaned.data)).is_encrypted
    assert_inert_with_the_same_pages(cleaned.data)


def test_a_pdf_that_needs_a_password_is_refused_with_a_clear_message():
    writer = PdfWriter(clone_from=io.BytesIO(plain_pdf()))
    writer.encrypt(user_password="secret", algorithm="RC4-128")
    with pytest.raises(ValidationError) as error:
        clean_upload(upload(pdf(writer), "locked.pdf"))
    assert error.value.code == "encrypted_pdf"
    assert error.value.messages == [
        "“locked.pdf” is protected by a password. Please send it without one."
    ]


@pytest.mark.parametrize(
    "data",
    [
        b"%PDF-1.7\n" + bytes(range(256)) * 20,
        b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n",  # no catalog, no pages
        b"%PDF-1.4\n%...\n",
    ],
    ids=["garbage", "no-pages", "header-only"],
)
def test_a_broken_pdf_is_refused_with_a_clear_message(data):
    with pytest.raises(ValidationError) as error:
        clean_upload(upload(data, "broken.pdf"))
    assert error.value.code == "invalid_pdf"
    assert error.value.messages == [
        "“broken.pdf” could not be read as a PDF file. Please save it again as PDF."
    ]


@pytest.mark.django_db
def test_the_stored_attachment_is_the_rewritten_pdf(file_complaint, private_media):
    grievance = file_complaint(attachments=[clean_upload(upload(active_pdf()))])
    attachment = Attachment.objects.get(grievance=grievance)
    assert attachment.content_type == "application/pdf"
    with attachment.file.open("rb") as stored:
        assert_inert_with_the_same_pages(stored.read())


@pytest.mark.django_db
def test_a_pdf_sent_with_the_form_is_stored_rewritten(client, charter, private_media):
    from tests.helpers import VALID, url

    response = client.post(
        url("grievances:new", "en"), {**VALID, "attachments": [upload(active_pdf())]}
    )
    assert response.status_code == 302
    with Attachment.objects.get().file.open("rb") as stored:
        assert_inert_with_the_same_pages(stored.read())


def blank_pdf(pages: int) -> bytes:
    writer = PdfWriter()
    for _page in range(pages):
        writer.add_blank_page(width=595, height=842)
    return pdf(writer)


def test_a_pdf_of_500_pages_is_kept_and_one_of_501_refused():
    assert len(PdfReader(io.BytesIO(clean_upload(upload(blank_pdf(500))).data)).pages) == 500
    with pytest.raises(ValidationError) as error:
        clean_upload(upload(blank_pdf(501), "long.pdf"))
    assert error.value.code == "too_many_pages"
    assert error.value.messages == [
        "“long.pdf” has more than 500 pages. Please send only the pages the complaint needs."
    ]


def test_a_page_count_the_file_understates_does_not_let_more_pages_through():
    data = blank_pdf(600).replace(b"/Count 600", b"/Count 1  ")
    assert b"/Count 1  " in data
    with pytest.raises(ValidationError) as error:
        clean_upload(upload(data))
    assert error.value.code == "too_many_pages"


def test_a_page_tree_that_loops_is_refused():
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    pages = writer._root_object.raw_get("/Pages")
    pages.get_object()["/Kids"].append(pages)  # the tree holds itself
    with pytest.raises(ValidationError) as error:
        clean_upload(upload(pdf(writer)))
    assert error.value.code == "invalid_pdf"
