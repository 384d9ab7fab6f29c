"""The API keys move here from ``grievances`` (state only: the table keeps its rows)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("grievances", "0005_submission_token"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="ApiKey",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        (
                            "name",
                            models.CharField(
                                help_text="Who uses the key: the system or organisation.",
                                max_length=200,
                                verbose_name="name",
                            ),
                        ),
                        (
                            "prefix",
                            models.CharField(
                                editable=False, max_length=8, verbose_name="key begins with"
                            ),
                        ),
                        ("key_hash", models.CharField(editable=False, max_length=64, unique=True)),
                        (
                            "created_at",
                            models.DateTimeField(editable=False, verbose_name="issued at"),
                        ),
                        (
                            "last_used_at",
                            models.DateTimeField(
                                editable=False, null=True, verbose_name="last used at"
                            ),
                        ),
                        (
                            "revoked_at",
                            models.DateTimeField(
                                editable=False, null=True, verbose_name="revoked at"
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "API key",
                        "verbose_name_plural": "API keys",
                        "ordering": ["-created_at", "-pk"],
                        "db_table": "grievances_apikey",
                    },
                ),
            ],
        ),
    ]
