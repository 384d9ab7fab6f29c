"""A backup restored into an empty database gives back every Bangla text, every timeline entry
and every attachment, byte for byte."""

import datetime
import hashlib
import shutil
import unicodedata

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, models
from django.utils import timezone

from grievances import workflow
from grievances.attachments import CleanAttachment
from grievances.models import Attachment, Grievance, OutboxMessage, TimelineEntry
from services.models import Service
from tests.helpers import PDF, image_bytes

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("private_media", "sms_outbox")]

# NFC, with য় ড় as letter + nukta (composition exclusions), khanda ta, ZWNJ and Bangla digits.
BANGLA = unicodedata.normalize("NFC", "আবেদনের উত্তর পাইনি; বড় সমস্যা, ৎ ও য় — ১২/০১/২০২৫\u200c")


def deferred_checks_now(connection):
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def deferred_checks_later(connection):
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def snapshot() -> dict:
    """Every stored value of the records a backup must keep, and every attachment's bytes."""

    def rows(model, order=("pk",)):
        # Users come back by user name (natural keys), maybe under a new id.
        fields = [
            f"{f.name}__username" if f.related_model is get_user_model() else f.attname
            for f in model._meta.concrete_fields
        ]
        return list(model.objects.order_by(*order).values_list(*fields))

    return {
        "grievances": rows(Grievance),
        "timeline": rows(TimelineEntry),
        "attachments": rows(Attachment),
        "outbox": rows(OutboxMessage),
        "services": rows(Service),
        "files": {
            a.file.name: hashlib.sha256(a.file.open("rb").read()).hexdigest()
            for a in Attachment.objects.all()
        },
    }


def bangla_texts() -> list[str]:
    texts = []
    for model in (Grievance, TimelineEntry, Service):
        text_fields = [
            f.attname
            for f in model._meta.concrete_fields
            if isinstance(f, models.CharField | models.TextField)
        ]
        for row in model.objects.values_list(*text_fields):
            texts.extend(
                value for value in row if value and any("\u0980" <= c <= "\u09ff" for c in value)
            )
    return texts


def test_a_backup_restored_into_an_empty_database_keeps_everything(
    charter, private_media, tmp_path, django_user_model
):
    gro = django_user_model.objects.create_user("gro", is_staff=True)
    files = [
        CleanAttachment("ছবি.jpg", "image/jpeg", image_bytes()),
        CleanAttachment("দলিল.pdf", "application/pdf", PDF),
    ]
    first = workflow.submit(
        office=charter.office,
        complaint_type="citizen",
        subject=BANGLA,
        description=BANGLA * 3,
        name="মোছাঃ রহিমা বেগম",
        id_type="nid",
        id_number="1234567890",
        permanent_address="গ্রাম: হারাগাছ, কাউনিয়া, রংপুর",
        mobile="01712345678",
        attachments=files,
    )
    workflow.start(grievance=first, actor=gro, note="কাজ শুরু")
    workflow.dispose(grievance=first, actor=gro, decision="প্রশিক্ষণ দেওয়া হয়েছে। ৎ")
    second = workflow.submit(
        office=charter.office,
        complaint_type="staff",
        subject="আরেকটি অভিযোগ",
        description="বিবরণ",
        is_anonymous=True,
        attachments=[CleanAttachment("scan.pdf", "application/pdf", PDF + b"2")],
    )
    workflow.escalate(grievance=second, today=second.deadline + datetime.timedelta(days=2))
    before = snapshot()
    texts = bangla_texts()
    assert len(before["timeline"]) == 5 and len(before["files"]) == 3
    assert BANGLA in texts and all(unicodedata.is_normalized("NFC", t) for t in texts)

    backup = tmp_path / "backup"
    call_command("backup_site", str(backup), verbosity=0)
    assert (backup / "data.exactjson").stat().st_size > 0

    # A fresh database and an empty attachment directory.
    deferred_checks_now(connection)  # PostgreSQL will not TRUNCATE with checks pending
    call_command("flush", interactive=False, verbosity=0)
    deferred_checks_later(connection)
    shutil.rmtree(private_media)
    assert not Grievance.objects.exists() and not Service.objects.exists()

    call_command("restore_site", str(backup), verbosity=0)
    after = snapshot()
    assert after == before
    assert bangla_texts() == texts
    for attachment in Attachment.objects.all():  # the files themselves, byte for byte
        stored = (private_media / attachment.file.name).read_bytes()
        assert hashlib.sha256(stored).hexdigest() == before["files"][attachment.file.name]
    # The restored site goes on: the officer can act and a new complaint gets a new number.
    restored = Grievance.objects.get(pk=first.pk)
    workflow.close(grievance=restored, actor=None, now=timezone.now() + datetime.timedelta(days=31))
    third = workflow.submit(
        office=charter.office,
        complaint_type="citizen",
        subject="s",
        description="d",
        is_anonymous=True,
    )
    assert third.pk > max(first.pk, second.pk)


def test_restore_refuses_a_database_that_already_holds_complaints(charter, tmp_path):
    call_command("backup_site", str(tmp_path / "b"), verbosity=0)
    workflow.submit(
        office=charter.office,
        complaint_type="citizen",
        subject="s",
        description="d",
        is_anonymous=True,
    )
    with pytest.raises(CommandError, match="already holds complaints"):
        call_command("restore_site", str(tmp_path / "b"), verbosity=0)


def test_backup_refuses_to_overwrite(tmp_path):
    (tmp_path / "b").mkdir()
    with pytest.raises(CommandError, match="already exists"):
        call_command("backup_site", str(tmp_path / "b"), verbosity=0)
