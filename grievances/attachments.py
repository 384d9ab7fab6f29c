"""Uploaded evidence: only real JPEG, PNG or PDF files, images re-encoded without metadata."""

import io
import warnings
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageOps, UnidentifiedImageError

MAX_ATTACHMENT_BYTES = 5 * 1024 * 1024
# A phone photo is about 12 megapixels; anything far larger is a decompression bomb.
MAX_IMAGE_PIXELS = 50_000_000

JPEG, PNG, PDF = "image/jpeg", "image/png", "application/pdf"
EXTENSIONS = {JPEG: "jpg", PNG: "png", PDF: "pdf"}
PILLOW_FORMATS = {JPEG: "JPEG", PNG: "PNG"}


@dataclass(frozen=True)
class CleanAttachment:
    """An upload that passed the checks, ready to store."""

    original_name: str
    content_type: str
    data: bytes

    @property
    def storage_name(self) -> str:
        return f"upload.{EXTENSIONS[self.content_type]}"

    def as_file(self) -> ContentFile:
        return ContentFile(self.data)


def sniff_content_type(head: bytes) -> str | None:
    """The type the file's own bytes declare, whatever its name says."""
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith(b"%PDF-"):
        return PDF
    return None


def _reencoded_image(data: bytes, content_type: str) -> bytes:
    """Decode and encode the pixels again: EXIF, GPS, comments and other chunks stay behind."""
    invalid = ValidationError(_("The image could not be read."), code="invalid_image")
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(io.BytesIO(data)) as probe:
                if probe.format != PILLOW_FORMATS[content_type]:
                    raise invalid
                width, height = probe.size
                if width * height > MAX_IMAGE_PIXELS:
                    raise ValidationError(_("The image is too large."), code="image_too_large")
                probe.verify()
            with Image.open(io.BytesIO(data)) as image:
                image.load()
                image = ImageOps.exif_transpose(image)  # keep a phone photo upright
                if content_type == JPEG and image.mode not in ("RGB", "L"):
                    image = image.convert("RGB")
                elif content_type == PNG and image.mode not in ("RGB", "RGBA", "L", "LA"):
                    image = image.convert("RGBA")
                # A fresh image from raw pixels carries no info dict, so no metadata.
                clean = Image.frombytes(image.mode, image.size, image.tobytes())
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
            raise ValidationError(_("The image is too large."), code="image_too_large") from error
        except (
            UnidentifiedImageError,
            OSError,
            SyntaxError,
            ValueError,
        ) as error:
            raise invalid from error
    out = io.BytesIO()
    if content_type == JPEG:
        clean.save(out, format="JPEG", quality=90, optimize=True)
    else:
        clean.save(out, format="PNG", optimize=True)
    return out.getvalue()


def clean_upload(upload) -> CleanAttachment:
    """Check one uploaded file by its content and size; raise ValidationError if it fails."""
    if upload.size > MAX_ATTACHMENT_BYTES:
        raise ValidationError(
            _("“%(name)s” is larger than 5 MB.") % {"name": upload.name}, code="too_big"
        )
    upload.seek(0)
    data = upload.read()
    content_type = sniff_content_type(data[:16])
    if content_type is None:
        raise ValidationError(
            _("“%(name)s” is not a JPEG, PNG or PDF file.") % {"name": upload.name},
            code="bad_type",
        )
    if content_type in PILLOW_FORMATS:
        data = _reencoded_image(data, content_type)
    return CleanAttachment(original_name=upload.name, content_type=content_type, data=data)
