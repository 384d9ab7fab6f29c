"""Rename the API keys' table to this app's name, and move their content type with them, so
that permissions already granted on API keys keep applying."""

from django.db import migrations


def move_content_type(apps, schema_editor, *, old: str, new: str):
    ContentType = apps.get_model("contenttypes", "ContentType")
    if not ContentType.objects.filter(app_label=new, model="apikey").exists():
        ContentType.objects.filter(app_label=old, model="apikey").update(app_label=new)


def forwards(apps, schema_editor):
    move_content_type(apps, schema_editor, old="grievances", new="open311")


def backwards(apps, schema_editor):
    move_content_type(apps, schema_editor, old="open311", new="grievances")


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("grievances", "0006_apikey_moved_to_open311"),
        ("open311", "0001_initial"),
    ]

    operations = [
        migrations.AlterModelTable(name="apikey", table=None),
        migrations.RunPython(forwards, backwards),
    ]
