"""A staff member may belong to several offices: each profile's single ``office`` becomes a
``services.StaffMembership`` row (services must not import grievances, so the membership
lives there), and the profile keeps only the post its user holds (``officer``)."""

from django.db import migrations, models


def offices_to_memberships(apps, schema_editor):
    StaffProfile = apps.get_model("grievances", "StaffProfile")
    StaffMembership = apps.get_model("services", "StaffMembership")
    profiles = StaffProfile.objects.filter(office__isnull=False).values_list("user_id", "office_id")
    for user_id, office_id in profiles.iterator():
        StaffMembership.objects.get_or_create(user_id=user_id, office_id=office_id)


def memberships_to_offices(apps, schema_editor):
    """Back to one office per profile: the first membership (by office id)."""
    StaffProfile = apps.get_model("grievances", "StaffProfile")
    StaffMembership = apps.get_model("services", "StaffMembership")
    for profile in StaffProfile.objects.all().iterator():
        first = (
            StaffMembership.objects.filter(user_id=profile.user_id).order_by("office_id").first()
        )
        if first is not None:
            profile.office_id = first.office_id
            profile.save(update_fields=["office"])


class Migration(migrations.Migration):
    dependencies = [
        ("grievances", "0007_many_from_same_mobile"),
        ("services", "0004_staffmembership"),
    ]

    operations = [
        migrations.RunPython(offices_to_memberships, memberships_to_offices),
        migrations.RemoveField(model_name="staffprofile", name="office"),
        migrations.AlterField(
            model_name="staffprofile",
            name="officer",
            field=models.ForeignKey(
                blank=True,
                help_text=(
                    "The officer record of the post this user holds: they handle the "
                    "complaints the grievance redress tables address to it, in whichever office."
                ),
                null=True,
                on_delete=models.deletion.SET_NULL,
                related_name="staff_profiles",
                to="services.officer",
                verbose_name="post held",
            ),
        ),
    ]
