from django.db import migrations

CHARTER_MODELS = ["office", "officer", "charter", "expectation", "grstier", "service"]


def create_charter_editor_group(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    # Permissions are normally created after migrate; this group needs them now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name="charter editor")
    group.permissions.set(
        Permission.objects.filter(
            content_type__app_label="services", content_type__model__in=CHARTER_MODELS
        )
    )


def remove_charter_editor_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name="charter editor").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("services", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_charter_editor_group, remove_charter_editor_group)]
