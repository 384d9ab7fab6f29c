"""Uploaded evidence: only real JPEG, PNG or PDF files. Images are decoded once and encoded
again without metadata; PDFs are rewritten without scripts, actions or embedded files.

The work one complaint's attachments may cost is bounded before any pixel is decoded: the
image headers give the size, and too many pixels (one image or all together) are refused.
"""

import io
import math
import warnings
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils.translation import gettext_lazy as _
from PIL import ExifTags, Image, UnidentifiedImageError
from pypdf import PdfReader, PdfWriter
from pypdf.errors import PyPdfError
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject

from core.templatetags.local_format import digits

MAX_ATTACHMENT_BYTES = 5 * 1024 * 1024
# A phone photo is 12 megapixels (4032 × 3024); 24 leaves room for 6000 × 4000 cameras. A
# PNG of that size costs about 1 s of CPU and 200 MB to decode and encode again, so anything
# larger is refused from its header, before a pixel is decoded. (A 7000 × 7000 PNG can be
# 200 KB on the wire.)
MAX_IMAGE_PIXELS = 24_000_000
# All the images of one complaint together (up to 3 files): three ordinary phone photos
# fit, and one request's image work stays near 2 s of CPU at worst.
MAX_PIXELS_PER_COMPLAINT = 48_000_000
# Photos (JPEG) are stored with their longest side at most this long: enough to read a
# document photographed whole (about 250 dpi on A4), and it bounds what is stored.
MAX_STORED_SIDE = 3000

JPEG, PNG, PDF = "image/jpeg", "image/png", "application/pdf"
EXTENSIONS = {JPEG: "jpg", PNG: "png", PDF: "pdf"}
PILLOW_FORMATS = {JPEG: "JPEG", PNG: "PNG"}
# A JPEG with further images after the first (a phone's depth map or HDR gain map) opens
# as MPO. Only the first image is kept, like a PNG's first frame when it is animated.
ACCEPTED_PILLOW_FORMATS = {JPEG: {"JPEG", "MPO"}, PNG: {"PNG"}}


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


@dataclass(frozen=True)
class _Accepted:
    """An upload whose size, type and (for an image) header passed: not decoded yet."""

    name: str
    content_type: str
    data: bytes
    pixels: int = 0


def sniff_content_type(head: bytes) -> str | None:
    """The type the file's own bytes declare, whatever its name says."""
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith(b"%PDF-"):
        return PDF
    return None


def _unreadable_image() -> ValidationError:
    return ValidationError(_("The image could not be read."), code="invalid_image")


def _too_large() -> ValidationError:
    return ValidationError(_("The image is too large."), code="image_too_large")


def _open_image(data: bytes, content_type: str, name: str) -> Image.Image:
    """Open an image and check its header: format and size. Nothing is decoded yet."""
    try:
        image = Image.open(io.BytesIO(data), formats=[PILLOW_FORMATS[content_type]])
    except Image.DecompressionBombError as error:  # so large Pillow will not even open it
        raise _too_large() from error
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as error:
        raise _unreadable_image() from error
    width, height = image.size
    if image.format not in ACCEPTED_PILLOW_FORMATS[content_type] or not width or not height:
        image.close()
        raise _unreadable_image()
    if width * height > MAX_IMAGE_PIXELS:
        image.close()
        raise ValidationError(
            _(
                "“%(name)s” is %(width)s × %(height)s pixels: images of at most "
                "%(limit)s megapixels are accepted. Please send a smaller copy."
            )
            % {
                "name": name,
                "width": digits(width),
                "height": digits(height),
                "limit": digits(MAX_IMAGE_PIXELS // 1_000_000),
            },
            code="image_too_large",
        )
    return image


def _image_pixels(data: bytes, content_type: str, name: str) -> int:
    """The image's size in pixels, from its header alone."""
    with warnings.catch_warnings():
        # Pillow warns from about 89 megapixels; our own limit is lower and checked here.
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        with _open_image(data, content_type, name) as image:
            width, height = image.size
    return width * height


def _stored_size(image: Image.Image, content_type: str) -> tuple[int, int]:
    """A photo is stored with its longest side at most MAX_STORED_SIDE, its shape unchanged.
    A PNG (a screenshot, a scan, a drawing) keeps its size: scaling sharp edges down blurs
    the text and makes the file larger, not smaller."""
    width, height = image.size
    scale = MAX_STORED_SIDE / max(width, height)
    if content_type != JPEG or scale >= 1:
        return width, height
    return max(1, round(width * scale)), max(1, round(height * scale))


def _stored_mode(image: Image.Image, content_type: str) -> str:
    if content_type == JPEG:
        return image.mode if image.mode in ("RGB", "L") else "RGB"
    return image.mode if image.mode in ("1", "L", "LA", "P", "RGB", "RGBA") else "RGBA"


# The EXIF orientation of a phone photo, undone so the stored image is upright.
ORIENTATIONS = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}


def _reencoded_image(data: bytes, content_type: str, name: str = "") -> bytes:
    """Decode the pixels once and encode them again, a large photo scaled down: EXIF, GPS,
    comments, other chunks and any later frame (an animation, a JPEG's depth map) stay
    behind."""
    out = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        with _open_image(data, content_type, name) as image:
            target = _stored_size(image, content_type)
            try:
                if target != image.size:
                    # The JPEG decoder scales by 1/2, 1/4 or 1/8 as it decodes, to no less
                    # than the target: a fraction of the work and memory of full size.
                    image.draft(None, target)
                image.load()  # the one decode (of the first frame); a truncated file fails
                orientation = ORIENTATIONS.get(image.getexif().get(ExifTags.Base.Orientation))
                pixels = image
                if pixels.mode != _stored_mode(image, content_type):
                    pixels = pixels.convert(_stored_mode(image, content_type))
                if pixels.size != target:
                    pixels = pixels.resize(target, Image.Resampling.LANCZOS, reducing_gap=2.0)
                if orientation is not None:
                    pixels = pixels.transpose(orientation)
                if pixels is image:
                    pixels = image.copy()  # a plain image: the file's own state stays behind
                # Only the pixels go on: no EXIF, ICC profile, comment or text chunk.
                keep = (
                    ("transparency",) if content_type == PNG and pixels.mode == image.mode else ()
                )
                pixels.info = {key: image.info[key] for key in keep if key in image.info}
                if content_type == JPEG:
                    pixels.save(out, format="JPEG", quality=90, optimize=True)
                else:
                    pixels.save(out, format="PNG")
            except (OSError, SyntaxError, ValueError) as error:
                raise _unreadable_image() from error
    return out.getvalue()


def _accept(upload) -> _Accepted:
    """Check one upload's size, type and, for an image, header; decode nothing."""
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
    pixels = 0
    if content_type in PILLOW_FORMATS:
        pixels = _image_pixels(data, content_type, upload.name)
    return _Accepted(upload.name, content_type, data, pixels)


def _cleaned(accepted: _Accepted) -> CleanAttachment:
    data = accepted.data
    if accepted.content_type in PILLOW_FORMATS:
        data = _reencoded_image(data, accepted.content_type, accepted.name)
    else:
        data = _sanitised_pdf(data, accepted.name)
    return CleanAttachment(accepted.name, accepted.content_type, data)


def clean_upload(upload) -> CleanAttachment:
    """Check one uploaded file by its content and size; raise ValidationError if it fails."""
    return _cleaned(_accept(upload))


def clean_uploads(uploads) -> list[CleanAttachment]:
    """Check one complaint's uploads. Every header is checked, and the pixels of all the
    images counted, before any file is decoded; raise ValidationError with every problem."""
    accepted, errors = [], []
    for upload in uploads:
        try:
            accepted.append(_accept(upload))
        except ValidationError as error:
            errors.extend(error.error_list)
    if errors:
        raise ValidationError(errors)
    total = sum(item.pixels for item in accepted)
    if total > MAX_PIXELS_PER_COMPLAINT:
        raise ValidationError(
            _(
                "Together the images are %(total)s megapixels: at most %(limit)s megapixels "
                "are accepted with one complaint. Please send smaller copies."
            )
            % {
                "total": digits(math.ceil(total / 1_000_000)),
                "limit": digits(MAX_PIXELS_PER_COMPLAINT // 1_000_000),
            },
            code="images_too_large",
        )
    cleaned = []
    for item in accepted:
        try:
            cleaned.append(_cleaned(item))
        except ValidationError as error:
            errors.extend(error.error_list)
    if errors:
        raise ValidationError(errors)
    return cleaned


# --- PDF ---

# Keys that make a PDF act rather than show: scripts, actions run on opening, closing,
# printing or on a page or field, embedded and related files, and interactive forms
# (AcroForm and its XFA scripts). Removed wherever they are found in what a page uses.
PDF_ACTIVE_KEYS = frozenset(
    {
        "/AA",
        "/OpenAction",
        "/JS",
        "/JavaScript",
        "/EmbeddedFiles",
        "/EF",
        "/RF",
        "/AcroForm",
        "/XFA",
        "/RichMediaContent",
        "/RichMediaSettings",
    }
)
# Annotations that are only a container for a file, sound, film or 3D model: left out.
PDF_ACTIVE_ANNOTATIONS = frozenset(
    {"/FileAttachment", "/Sound", "/Movie", "/Screen", "/RichMedia", "/3D"}
)
# Rewriting costs about 0.3 ms of CPU a page, and 5 MB can hold 100,000 empty pages. A
# scanned document of 5 MB has tens of pages; a long text one a few hundred.
MAX_PDF_PAGES = 500
# Entries of the dictionaries and arrays the pages use (resources, fonts, annotations) that
# one PDF may make us look at: ordinary documents need a few thousand.
MAX_PDF_ENTRIES = 200_000


class _PdfTooComplex(Exception):
    pass


def _unreadable_pdf(name: str) -> ValidationError:
    return ValidationError(
        _("“%(name)s” could not be read as a PDF file. Please save it again as PDF.")
        % {"name": name},
        code="invalid_pdf",
    )


def _too_many_pages(name: str) -> ValidationError:
    return ValidationError(
        _(
            "“%(name)s” has more than %(limit)s pages. Please send only the pages the "
            "complaint needs."
        )
        % {"name": name, "limit": digits(MAX_PDF_PAGES)},
        code="too_many_pages",
    )


def _check_page_count(reader: PdfReader, name: str) -> None:
    """Count the pages in the page tree, stopping at the limit: pypdf would go through all of
    them, and the count the file declares may be false."""
    stack = [reader.root_object["/Pages"]]
    pages = nodes = 0
    while stack:
        node = stack.pop().get_object()
        if not isinstance(node, DictionaryObject):
            raise _PdfTooComplex  # not a page: the tree is broken
        kids = node.get("/Kids")
        if kids is None:
            pages += 1
            if pages > MAX_PDF_PAGES:
                raise _too_many_pages(name)
            continue
        nodes += 1
        kids = kids.get_object()
        if nodes > MAX_PDF_PAGES or not isinstance(kids, ArrayObject):
            raise _PdfTooComplex  # a page tree that loops, or is all branches
        stack.extend(kids)


def _is_active_annotation(annotation) -> bool:
    annotation = annotation.get_object()
    return (
        not isinstance(annotation, DictionaryObject)
        or annotation.get("/Subtype") in PDF_ACTIVE_ANNOTATIONS
    )


def _remove_active_content(pages) -> None:
    """Remove, in place, every action, script and file reachable from the pages: what the
    writer copies is a part of what this walks through."""
    seen: set[tuple[int, int]] = set()
    stack = list(pages)
    entries = 0
    while stack:
        item = stack.pop()
        if isinstance(item, IndirectObject):
            reference = (item.idnum, item.generation)
            if reference in seen:
                continue
            seen.add(reference)
            item = item.get_object()
        if isinstance(item, DictionaryObject):
            for key in [key for key in item if key in PDF_ACTIVE_KEYS]:
                del item[key]
            for key in ("/A", "/PA"):  # an action: a link, launch, script, form submission
                action = item.get(key)
                if isinstance(action, IndirectObject):
                    action = action.get_object()
                if isinstance(action, DictionaryObject) and "/S" in action:
                    del item[key]
            annotations = item.get("/Annots")
            if isinstance(annotations, IndirectObject):
                annotations = annotations.get_object()
            if isinstance(annotations, ArrayObject):
                annotations[:] = [a for a in annotations if not _is_active_annotation(a)]
            values = item.values()
        elif isinstance(item, ArrayObject):
            values = item
        else:
            continue
        entries += len(values)
        if entries > MAX_PDF_ENTRIES:
            raise _PdfTooComplex
        stack.extend(
            value
            for value in values
            if isinstance(value, (IndirectObject, DictionaryObject, ArrayObject))
        )


def _sanitised_pdf(data: bytes, name: str) -> bytes:
    """The PDF's pages written to a new file: the page content and what it draws with, but
    no document-level actions, scripts, forms, attached files, outline or metadata."""
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted and not reader.decrypt(""):
            raise ValidationError(
                _("“%(name)s” is protected by a password. Please send it without one.")
                % {"name": name},
                code="encrypted_pdf",
            )
        _check_page_count(reader, name)
        pages = list(reader.pages)
        if not pages or len(pages) > MAX_PDF_PAGES:
            raise _PdfTooComplex
        _remove_active_content(pages)
        writer = PdfWriter()
        for page in pages:
            writer.add_page(page)
        out = io.BytesIO()
        writer.write(out)
    except ValidationError:
        raise
    except (
        _PdfTooComplex,
        PyPdfError,
        OSError,
        ValueError,
        KeyError,
        TypeError,
        AttributeError,
        RecursionError,  # objects nested without end
    ) as error:
        raise _unreadable_pdf(name) from error
    return out.getvalue()
