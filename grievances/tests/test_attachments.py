import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image
from pypdf import PdfWriter

from grievances.attachments import MAX_ATTACHMENT_BYTES, clean_upload
from grievances.models import Attachment

# Messages and errors made outside a request are read in English here.
pytestmark = pytest.mark.usefixtures("english")


def jpeg_with_exif() -> bytes:
    image = Image.new("RGB", (40, 30), (200, 10, 10))
    exif = Image.Exif()
    exif[0x010F] = "SecretCamera"  # Make
    exif[0x0131] = "Editor 1.0"  # Software
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif.tobytes(), comment=b"home address inside")
    return out.getvalue()


def png_bytes(size=(20, 20)) -> bytes:
    out = io.BytesIO()
    Image.new("RGBA", size, (0, 0, 255, 128)).save(out, format="PNG")
    return out.getvalue()


def pdf_bytes() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def upload(name, data, content_type="application/octet-stream"):
    return SimpleUploadedFile(name, data, content_type=content_type)


def test_exif_and_comments_are_stripped_from_a_jpeg():
    original = jpeg_with_exif()
    assert Image.open(io.BytesIO(original)).getexif()[0x010F] == "SecretCamera"
    cleaned = clean_upload(upload("photo.jpg", original, "image/jpeg"))
    assert cleaned.content_type == "image/jpeg"
    stored = Image.open(io.BytesIO(cleaned.data))
    assert dict(stored.getexif()) == {}
    assert "exif" not in stored.info and "comment" not in stored.info
    assert b"SecretCamera" not in cleaned.data and b"home address" not in cleaned.data
    assert stored.size == (40, 30)


def test_a_png_is_reencoded():
    cleaned = clean_upload(upload("scan.png", png_bytes(), "image/png"))
    assert cleaned.content_type == "image/png"
    assert Image.open(io.BytesIO(cleaned.data)).format == "PNG"


def test_a_pdf_is_recognised_by_its_header():
    cleaned = clean_upload(upload("letter.pdf", pdf_bytes(), "application/pdf"))
    assert cleaned.content_type == "application/pdf"


def test_the_type_comes_from_the_content_not_the_name():
    cleaned = clean_upload(upload("document.pdf", png_bytes(), "application/pdf"))
    assert cleaned.content_type == "image/png"
    assert cleaned.storage_name.endswith(".png")


@pytest.mark.parametrize(
    "name,data",
    [
        ("photo.jpg", b"MZ\x90\x00 this is a windows program"),
        ("page.pdf", b"<html><script>alert(1)</script></html>"),
        ("scan.png", b"GIF89a" + b"\x00" * 20),
    ],
)
def test_a_file_that_is_not_what_it_claims_is_refused(name, data):
    with pytest.raises(ValidationError) as error:
        clean_upload(upload(name, data))
    assert error.value.code == "bad_type"


def test_a_broken_image_with_a_valid_header_is_refused():
    data = png_bytes()[:40]
    with pytest.raises(ValidationError):
        clean_upload(upload("broken.png", data, "image/png"))


def test_a_file_larger_than_5_mb_is_refused():
    data = b"%PDF-1.4\n" + b"0" * MAX_ATTACHMENT_BYTES
    with pytest.raises(ValidationError) as error:
        clean_upload(upload("big.pdf", data))
    assert error.value.code == "too_big"


def test_a_decompression_bomb_is_refused():
    out = io.BytesIO()
    Image.new("L", (10_000, 10_000)).save(out, format="PNG", optimize=True)  # 100 megapixels
    assert len(out.getvalue()) < MAX_ATTACHMENT_BYTES
    with pytest.raises(ValidationError) as error:
        clean_upload(upload("bomb.png", out.getvalue(), "image/png"))
    assert error.value.code == "image_too_large"


@pytest.mark.django_db
def test_attachments_are_stored_privately_under_an_unguessable_name(
    file_complaint, private_media, settings
):
    cleaned = clean_upload(upload("my photo.jpg", jpeg_with_exif(), "image/jpeg"))
    grievance = file_complaint(attachments=[cleaned])
    attachment = Attachment.objects.get(grievance=grievance)
    assert attachment.original_name == "my photo.jpg"
    assert "photo" not in attachment.file.name and attachment.file.name.endswith(".jpg")
    path = private_media / attachment.file.name
    assert path.exists()
    assert not str(path).startswith(str(settings.MEDIA_ROOT))
    assert b"SecretCamera" not in path.read_bytes()
    with pytest.raises(ValueError):
        attachment.file.url  # noqa: B018 - no URL: only the admin view serves it
