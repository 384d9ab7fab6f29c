"""A database from before the apps were split (API keys in ``grievances``) migrates to the
new layout (API keys in ``open311``) with every case, timeline entry, attachment and key."""

import hashlib

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from grievances.attachments import CleanAttachment
from grievances.models import Attachment, Grievance, TimelineEntry
from open311 import keys
from open311.models import ApiKey
from tests.helpers import PDF, at

OLD_LAYOUT = [("grievances", "0005_submission_token"), ("open311", None)]
RAW_KEY = "k" * 43


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state([t for t in targets if t[1]]).apps


def latest():
    return MigrationExecutor(connection).loader.graph.leaf_nodes()


@pytest.mark.django_db(transaction=True)
def test_an_old_database_keeps_every_case_and_api_key_in_the_new_layout(file_complaint):
    pdf = CleanAttachment("letter.pdf", "application/pdf", PDF)
    grievance = file_complaint(attachments=[pdf], now=at(2025, 1, 5))
    cases = list(Grievance.objects.values())
    timeline = list(TimelineEntry.objects.values())
    attachments = list(Attachment.objects.values())
    try:
        old = migrate(OLD_LAYOUT)
        OldApiKey = old.get_model("grievances", "ApiKey")  # noqa: N806
        Group = old.get_model("auth", "Group")  # noqa: N806
        Permission = old.get_model("auth", "Permission")  # noqa: N806
        key = OldApiKey.objects.create(
            name="Union digital centre",
            prefix=RAW_KEY[:8],
            key_hash=hashlib.sha256(RAW_KEY.encode()).hexdigest(),
            created_at=at(2025, 1, 1),
        )
        ContentType = old.get_model("contenttypes", "ContentType")  # noqa: N806
        # What a database of the old layout holds (a flush by another test may have left
        # only the new layout's).
        old_type, _ = ContentType.objects.get_or_create(app_label="grievances", model="apikey")
        view_key, _ = Permission.objects.get_or_create(
            content_type=old_type, codename="view_apikey", defaults={"name": "Can view API key"}
        )
        partners = Group.objects.create(name="API partners manager")
        partners.permissions.add(view_key)
    finally:
        migrate(latest())

    assert list(Grievance.objects.values()) == cases
    assert list(TimelineEntry.objects.values()) == timeline
    assert list(Attachment.objects.values()) == attachments
    stored = Attachment.objects.get(grievance=grievance)
    with stored.file.open("rb") as file:
        assert file.read() == PDF
    moved = ApiKey.objects.get()
    assert (moved.pk, moved.name, moved.prefix) == (key.pk, "Union digital centre", "kkkkkkkk")
    assert keys.authenticate(RAW_KEY) == moved
    granted = partners.permissions.values_list("content_type__app_label", "codename")
    assert list(granted) == [("open311", "view_apikey")]
