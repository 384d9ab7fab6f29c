"""A staff profile's single office becomes an office membership (grievances 0008), and back."""

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from services.models import StaffMembership

BEFORE = [("grievances", "0007_many_from_same_mobile"), ("services", "0004_staffmembership")]
AFTER = [("grievances", "0008_staff_offices_to_memberships")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def latest():
    return MigrationExecutor(connection).loader.graph.leaf_nodes()


@pytest.mark.django_db(transaction=True)
def test_each_profile_s_office_becomes_a_membership_and_back(charter):
    clerk = User.objects.create_user("clerk", is_staff=True)
    officer = User.objects.create_user("officer", is_staff=True)
    try:
        old = migrate(BEFORE)
        OldProfile = old.get_model("grievances", "StaffProfile")  # noqa: N806
        OldProfile.objects.create(user_id=clerk.pk, office_id=3)
        OldProfile.objects.create(user_id=officer.pk, officer_id=2)  # a post, no office

        migrate(AFTER)
        assert set(StaffMembership.objects.values_list("user__username", "office_id")) == {
            ("clerk", 3)
        }

        old = migrate(BEFORE)
        OldProfile = old.get_model("grievances", "StaffProfile")  # noqa: N806
        assert set(OldProfile.objects.values_list("user_id", "office_id", "officer_id")) == {
            (clerk.pk, 3, None),
            (officer.pk, None, 2),
        }
    finally:
        migrate(latest())
