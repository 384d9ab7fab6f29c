"""The API keys now belong to ``open311``; their table and rows stay (see open311 0001, 0002)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("grievances", "0005_submission_token"),
        ("open311", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(state_operations=[migrations.DeleteModel("ApiKey")]),
    ]
