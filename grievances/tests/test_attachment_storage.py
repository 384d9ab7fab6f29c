"""Attachments in an S3-compatible bucket (STORAGES["attachments"]), as when several app
servers share no disk: stored, streamed to the officer, removed with a failed complaint,
backed up and restored, and never written to PRIVATE_MEDIA_ROOT. A local moto server plays
the bucket."""

import contextlib
import hashlib
import json
import logging
import os
import subprocess
import sys
import uuid
from pathlib import Path
from unittest import mock
from urllib.parse import parse_qs, urlparse

import boto3
import pytest
from django.core.management import call_command
from django.db import connection
from django.urls import reverse

from grievances import notifications
from grievances.attachments import CleanAttachment
from grievances.models import Attachment, Grievance, private_storage
from tests.helpers import PDF, image_bytes

ROOT = Path(__file__).resolve().parent.parent.parent
REGION = "us-east-1"
CREDENTIALS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}


@contextlib.contextmanager
def moto_s3_server():
    """A local S3-compatible server on a free port; yields its endpoint URL."""
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # not a line per request
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


def new_bucket(endpoint: str):
    """A fresh bucket (moto keeps one state per process: each test gets its own name)."""
    client = boto3.client("s3", endpoint_url=endpoint, region_name=REGION, **CREDENTIALS)
    name = f"grs-attachments-{uuid.uuid4().hex[:12]}"
    client.create_bucket(Bucket=name)
    return client, name


def s3_storage_settings(endpoint: str, bucket: str) -> dict:
    """What base.py builds from ATTACHMENTS_S3_*, with the credentials boto3 would find."""
    return {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": bucket,
            "endpoint_url": endpoint,
            "region_name": REGION,
            "access_key": CREDENTIALS["aws_access_key_id"],
            "secret_key": CREDENTIALS["aws_secret_access_key"],
            "default_acl": "private",
            "querystring_auth": True,
            "querystring_expire": 300,
            "signature_version": "s3v4",
            "file_overwrite": False,
        },
    }


def bucket_contents(client, bucket: str) -> dict[str, bytes]:
    listed = client.list_objects_v2(Bucket=bucket).get("Contents", [])
    return {
        item["Key"]: client.get_object(Bucket=bucket, Key=item["Key"])["Body"].read()
        for item in listed
    }


@pytest.fixture(scope="module")
def s3_endpoint():
    with moto_s3_server() as endpoint:
        yield endpoint


@pytest.fixture
def s3_bucket(s3_endpoint, settings, private_media):
    """Attachments go to a new bucket; ``private_media`` stays, to show nothing lands there."""
    client, bucket = new_bucket(s3_endpoint)
    settings.STORAGES = {
        **settings.STORAGES,
        "attachments": s3_storage_settings(s3_endpoint, bucket),
    }
    yield client, bucket


def files_on_disk(root: Path) -> list[Path]:
    return [path for path in root.rglob("*") if path.is_file()] if root.exists() else []


@pytest.mark.django_db
def test_an_attachment_is_stored_privately_in_the_bucket_and_streamed_to_staff(
    s3_bucket, file_complaint, client, django_user_model, private_media
):
    s3, bucket = s3_bucket
    photo = image_bytes()
    grievance = file_complaint(
        attachments=[
            CleanAttachment("letter.pdf", "application/pdf", PDF),
            CleanAttachment("photo.jpg", "image/jpeg", photo),
        ]
    )
    letter, picture = grievance.attachments.order_by("pk")
    stored = bucket_contents(s3, bucket)
    assert stored == {letter.file.name: PDF, picture.file.name: photo}
    assert files_on_disk(private_media) == []
    for key in stored:  # private objects: only the owner holds a grant
        grants = s3.get_object_acl(Bucket=bucket, Key=key)["Grants"]
        assert [grant["Permission"] for grant in grants] == ["FULL_CONTROL"]
        assert all(grant["Grantee"].get("Type") == "CanonicalUser" for grant in grants)

    client.force_login(django_user_model.objects.create_superuser("admin", password="pw"))
    for attachment, content in [(letter, PDF), (picture, photo)]:
        url = reverse("admin:grievances_grievance_attachment", args=[grievance.pk, attachment.pk])
        response = client.get(url)
        assert response.status_code == 200
        assert b"".join(response.streaming_content) == content
        assert response["Content-Type"] == attachment.content_type
        assert response["Content-Disposition"].startswith("attachment")
        assert "no-store" in response["Cache-Control"]
    client.logout()
    assert client.get(url).status_code == 302  # to the login page

    # Asked for a URL, the bucket gives only a signed one that expires within 5 minutes.
    query = parse_qs(urlparse(private_storage.url(letter.file.name)).query)
    assert query["X-Amz-Expires"] == ["300"] and query["X-Amz-Signature"]


@pytest.mark.django_db
def test_a_complaint_that_fails_after_its_files_were_stored_leaves_none_in_the_bucket(
    s3_bucket, file_complaint, private_media
):
    s3, bucket = s3_bucket
    with (
        mock.patch.object(notifications, "queue_for_step", side_effect=RuntimeError("boom")),
        pytest.raises(RuntimeError),
    ):
        file_complaint(attachments=[CleanAttachment("a.pdf", "application/pdf", PDF)])
    assert not Grievance.objects.exists() and not Attachment.objects.exists()
    assert bucket_contents(s3, bucket) == {}
    assert files_on_disk(private_media) == []


@pytest.mark.django_db
def test_a_backup_of_the_bucket_restores_every_attachment_byte_for_byte(
    s3_bucket, file_complaint, tmp_path, private_media
):
    s3, bucket = s3_bucket
    files = [
        CleanAttachment("ছবি.jpg", "image/jpeg", image_bytes()),
        CleanAttachment("দলিল.pdf", "application/pdf", PDF),
    ]
    file_complaint(attachments=files)
    file_complaint(attachments=[CleanAttachment("scan.pdf", "application/pdf", PDF + b"2")])
    before = bucket_contents(s3, bucket)
    assert len(before) == 3
    names = sorted(Attachment.objects.values_list("file", flat=True))
    assert sorted(before) == names

    backup = tmp_path / "backup"
    call_command("backup_site", str(backup), verbosity=0)
    copied = {
        path.relative_to(backup / "private_media").as_posix(): path.read_bytes()
        for path in files_on_disk(backup / "private_media")
    }
    assert copied == before

    # A fresh database and an empty bucket.
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    call_command("flush", interactive=False, verbosity=0)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
    for key in before:
        s3.delete_object(Bucket=bucket, Key=key)
    assert bucket_contents(s3, bucket) == {} and not Grievance.objects.exists()

    call_command("restore_site", str(backup), verbosity=0)
    assert bucket_contents(s3, bucket) == before
    for attachment in Attachment.objects.all():  # read back through the model's storage
        with attachment.file.open("rb") as stored:
            assert (
                hashlib.sha256(stored.read()).digest()
                == hashlib.sha256(before[attachment.file.name]).digest()
            )
    assert files_on_disk(private_media) == []


def test_the_bucket_is_configured_from_the_environment_in_production():
    script = (
        "import json; from django.conf import settings; "
        "print(json.dumps(settings.STORAGES['attachments']))"
    )
    inherited = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", script],
        cwd=ROOT,
        env={
            **inherited,
            "DJANGO_SETTINGS_MODULE": "charter_site.settings.production",
            "SECRET_KEY": "k3v-9Qz!pL2x#Rt7Wm@4Yb8Nc1Hd6Fj0Sg5Ue^Ai*Oo_Ps+Tq=Vr" * 2,
            "ALLOWED_HOSTS": "grs.example.gov.bd",
            "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/charter",
            "SMS_GATEWAY_URL": "https://sms.example.gov.bd/send",
            "ATTACHMENTS_S3_BUCKET": "kaunia-grs",
            "ATTACHMENTS_S3_ENDPOINT_URL": "https://s3.example.gov.bd",
            "ATTACHMENTS_S3_REGION": "ap-south-1",
        },
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    configured = json.loads(result.stdout.strip().splitlines()[-1])
    assert configured["BACKEND"] == "storages.backends.s3.S3Storage"
    options = configured["OPTIONS"]
    assert options["bucket_name"] == "kaunia-grs"
    assert options["endpoint_url"] == "https://s3.example.gov.bd"
    assert options["region_name"] == "ap-south-1"
    assert options["default_acl"] == "private"
    assert options["querystring_auth"] is True and options["querystring_expire"] <= 300
