"""Rename the API keys' table to this app's name, and move their content type with them, so
that permissions already granted on API keys keep applying."""

from django.db import migrations


def move_content_type(apps, schema_editor, *, old: str, new: str):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    moving = ContentType.objects.filter(app_label=old, model="apikey").first()
    if moving is None:
        return
    existing = ContentType.objects.filter(app_label=new, model="apikey").first()
    if existing is None:
        moving.app_label = new
        moving.save(update_fields=["app_label"])
        return
    # Both exist (post_migrate already made the new one): grants move to the new one's
    # permissions, so that nobody loses what they were given.
    for permission in Permission.objects.filter(content_type=moving):
        kept = Permission.objects.filter(content_type=existing, codename=permission.codename)
        kept = kept.first()
        if kept is None:
            permission.content_type = existing
            permission.save(update_fields=["content_type"])
            continue
        for group in permission.group_set.all():
            group.permissions.add(kept)
        for user in permission.user_set.all():
            user.user_permissions.add(kept)
        permission.delete()
    moving.delete()


def forwards(apps, schema_editor):
    move_content_type(apps, schema_editor, old="grievances", new="open311")


def backwards(apps, schema_editor):
    move_content_type(apps, schema_editor, old="open311", new="grievances")


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("grievances", "0006_apikey_moved_to_open311"),
        ("open311", "0001_initial"),
    ]

    operations = [
        migrations.AlterModelTable(name="apikey", table=None),
        migrations.RunPython(forwards, backwards),
    ]
