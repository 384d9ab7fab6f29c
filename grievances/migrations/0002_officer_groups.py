from django.db import migrations

# Group name -> GRS tier it handles; grievances/access.py reads the same names.
OFFICER_GROUPS = ["GRO", "appeal officer", "Cabinet cell"]
OFFICER_PERMISSIONS = [
    "view_grievance",
    "change_grievance",
    "view_attachment",
    "view_timelineentry",
    "view_rating",
]
HOLIDAY_GROUP = "holiday editor"
HOLIDAY_PERMISSIONS = ["add_holiday", "change_holiday", "delete_holiday", "view_holiday"]


def create_groups(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    # Permissions are normally created after migrate; the groups need them now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    officer_permissions = Permission.objects.filter(
        content_type__app_label="grievances", codename__in=OFFICER_PERMISSIONS
    )
    for name in OFFICER_GROUPS:
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.add(*officer_permissions)
    # Whoever keeps the holiday table (usually the charter's clerk too) sees no complaint.
    holiday_editor, _ = Group.objects.get_or_create(name=HOLIDAY_GROUP)
    holiday_editor.permissions.add(
        *Permission.objects.filter(
            content_type__app_label="grievances", codename__in=HOLIDAY_PERMISSIONS
        )
    )


def remove_groups(apps, schema_editor):
    groups = [*OFFICER_GROUPS, HOLIDAY_GROUP]
    apps.get_model("auth", "Group").objects.filter(name__in=groups).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("grievances", "0001_initial"),
        ("services", "0002_charter_editor_group"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_groups, remove_groups)]
