"""What one complaint's images may cost: headers are checked before any pixel is decoded,
each image is decoded once, and the worst upload accepted stays within a bound of CPU time
and memory."""

import io
import json
import subprocess
import sys
import time
from pathlib import Path
from unittest import mock

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageDraw

from grievances.attachments import (
    MAX_IMAGE_PIXELS,
    MAX_PIXELS_PER_COMPLAINT,
    MAX_STORED_SIDE,
    clean_upload,
    clean_uploads,
)

pytestmark = pytest.mark.usefixtures("english")

ROOT = Path(__file__).resolve().parents[2]


def drawing(size, mode="RGBA", fmt="PNG") -> bytes:
    """Lines on a plain ground: compresses well, like a screenshot or a scanned form, so
    many pixels fit in few bytes."""
    image = Image.new("RGB", size, (240, 240, 230))
    draw = ImageDraw.Draw(image)
    width, height = size
    for x in range(0, width, 50):
        draw.line([(x, 0), (width - x, height)], fill=(x % 255, 30, 90), width=3)
    out = io.BytesIO()
    if fmt == "PNG":
        image.convert(mode).save(out, format="PNG", compress_level=1)
    else:
        image.save(out, format=fmt, quality=85)
    return out.getvalue()


def upload(data: bytes, name="photo.png"):
    return SimpleUploadedFile(name, data)


@pytest.fixture
def decodes():
    """Count the decoders Pillow starts: one for each decode of an image's pixels."""
    real = Image._getdecoder
    with mock.patch.object(Image, "_getdecoder", side_effect=real) as spy:
        yield spy


# What the child process runs: clean the files named on its command line, and say how much
# CPU time it took and how far the process's peak memory rose.
MEASURE = """
import json, re, sys, time
import django
django.setup()
from django.core.files.uploadedfile import SimpleUploadedFile
from grievances.attachments import clean_uploads

def peak_mb():
    # This process's peak resident memory since it started (ru_maxrss would include the
    # parent's, from before the exec).
    with open("/proc/self/status") as status:
        return int(re.search(r"VmHWM:\\s+(\\d+) kB", status.read()).group(1)) / 1024

uploads = [
    SimpleUploadedFile(f"photo{n}.png", open(path, "rb").read())
    for n, path in enumerate(sys.argv[1:])
]
before = peak_mb()
start = time.process_time()
cleaned = clean_uploads(uploads)
print(json.dumps({
    "cpu": time.process_time() - start,
    "memory_mb": peak_mb() - before,
    "stored": [len(item.data) for item in cleaned],
}))
"""


def measure_in_a_fresh_process(paths) -> dict:
    """A process of its own, so that peak memory is this upload's alone."""
    done = subprocess.run(
        [sys.executable, "-c", MEASURE, *map(str, paths)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="peak memory from /proc")
@pytest.mark.parametrize(
    "size,count",
    [((4000, 4000), 3), ((6000, 4000), 2)],
    ids=["three-of-16-megapixels", "two-of-24-megapixels"],
)
def test_the_worst_upload_accepted_stays_within_bounds_of_cpu_and_memory(tmp_path, size, count):
    # PNGs with an alpha channel: the dearest kind to decode and encode again (a JPEG at
    # the same size costs half). Before this was bounded, three 7000 × 7000 PNGs took
    # 12 s of CPU and 700 MB; the three at 16 megapixels took 5.3 s and 250 MB.
    assert size[0] * size[1] * count <= MAX_PIXELS_PER_COMPLAINT
    assert size[0] * size[1] <= MAX_IMAGE_PIXELS
    path = tmp_path / "drawing.png"
    path.write_bytes(drawing(size))
    result = measure_in_a_fresh_process([path] * count)
    assert len(result["stored"]) == count
    # About 2.2 s and 125-190 MB on a 2-CPU machine: the bounds leave room for a slower one.
    assert result["cpu"] < 4.0, result
    assert result["memory_mb"] < 300, result


def test_a_7000_by_7000_png_is_refused_from_its_header_without_decoding(decodes):
    out = io.BytesIO()
    Image.new("L", (7000, 7000), 255).save(out, format="PNG")
    data = out.getvalue()
    assert len(data) < 200_000  # 49 megapixels in a few kilobytes
    start = time.process_time()
    with pytest.raises(ValidationError) as error:
        clean_uploads([upload(data, "scan.png")] * 3)
    elapsed = time.process_time() - start
    assert decodes.call_count == 0
    assert elapsed < 0.2
    assert [e.code for e in error.value.error_list] == ["image_too_large"] * 3
    assert error.value.messages[0] == (
        "“scan.png” is 7000 × 7000 pixels: images of at most 24 megapixels are accepted. "
        "Please send a smaller copy."
    )


def test_images_that_together_have_too_many_pixels_are_refused_before_any_is_decoded(
    decodes,
):
    out = io.BytesIO()
    Image.new("L", (4000, 4001), 255).save(out, format="PNG")  # 16.004 megapixels each
    with pytest.raises(ValidationError) as error:
        clean_uploads([upload(out.getvalue(), f"page{n}.png") for n in range(3)])
    assert decodes.call_count == 0
    assert [e.code for e in error.value.error_list] == ["images_too_large"]
    assert error.value.messages == [
        "Together the images are 49 megapixels: at most 48 megapixels are accepted with "
        "one complaint. Please send smaller copies."
    ]


def test_a_bad_file_beside_images_stops_the_upload_before_any_image_is_decoded(decodes):
    image = drawing((200, 100))
    with pytest.raises(ValidationError) as error:
        clean_uploads([upload(image), upload(b"MZ\x90\x00", "setup.exe")])
    assert decodes.call_count == 0
    assert error.value.messages == ["“setup.exe” is not a JPEG, PNG or PDF file."]


def test_each_image_is_decoded_once(decodes):
    png, jpeg = drawing((1200, 900), "RGB"), drawing((1200, 900), fmt="JPEG")
    decodes.reset_mock()
    cleaned = clean_uploads([upload(png, "a.png"), upload(jpeg, "b.jpg")])
    assert [item.content_type for item in cleaned] == ["image/png", "image/jpeg"]
    assert decodes.call_count == 2


def test_a_photo_is_decoded_once_at_a_reduced_size_and_stored_upright(decodes):
    image = Image.open(io.BytesIO(drawing((6000, 4000), fmt="JPEG")))
    exif = Image.Exif()
    exif[0x0112] = 6  # the phone was held upright: turn 90° clockwise to show it
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=85, exif=exif.tobytes())
    decodes.reset_mock()
    cleaned = clean_upload(upload(out.getvalue(), "photo.jpg"))
    assert decodes.call_count == 1
    stored = Image.open(io.BytesIO(cleaned.data))
    # The longest side brought down to 3000 px, and the photo turned upright.
    assert stored.size == (MAX_STORED_SIDE * 2 // 3, MAX_STORED_SIDE)
    assert dict(stored.getexif()) == {}


def test_a_png_keeps_its_size_and_is_decoded_once(decodes):
    cleaned = clean_upload(upload(drawing((3600, 200), "RGB")))
    assert decodes.call_count == 1
    assert Image.open(io.BytesIO(cleaned.data)).size == (3600, 200)


def test_an_animated_png_is_stored_as_its_first_frame(decodes):
    frames = [Image.new("RGB", (40, 30), colour) for colour in ("red", "blue", "green")]
    out = io.BytesIO()
    frames[0].save(out, format="PNG", save_all=True, append_images=frames[1:], duration=100)
    assert Image.open(io.BytesIO(out.getvalue())).n_frames == 3
    cleaned = clean_upload(upload(out.getvalue(), "animation.png"))
    assert decodes.call_count == 1
    stored = Image.open(io.BytesIO(cleaned.data))
    assert getattr(stored, "n_frames", 1) == 1
    assert stored.convert("RGB").getpixel((0, 0)) == (255, 0, 0)


def test_a_jpeg_with_a_second_image_is_stored_as_its_first(decodes):
    # Phones put a depth map or an HDR gain map after the photo (Pillow reads it as MPO).
    first, second = Image.new("RGB", (40, 30), "red"), Image.new("RGB", (40, 30), "blue")
    out = io.BytesIO()
    first.save(out, format="MPO", save_all=True, append_images=[second])
    assert Image.open(io.BytesIO(out.getvalue())).format == "MPO"
    cleaned = clean_upload(upload(out.getvalue(), "photo.jpg"))
    assert decodes.call_count == 1
    assert cleaned.content_type == "image/jpeg"
    stored = Image.open(io.BytesIO(cleaned.data))
    assert stored.format == "JPEG" and getattr(stored, "n_frames", 1) == 1
    red, green, blue = stored.getpixel((20, 15))
    assert red > 200 and green < 50 and blue < 50
