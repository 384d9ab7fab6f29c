"""Offices as sites: each office gets a slug (its pages at /<lang>/offices/<slug>/) and
host names; a charter gets a published flag (every existing charter is published)."""

import django.core.validators
import django.db.models.deletion
from django.db import migrations, models
from django.utils.text import slugify

import services.models

SLUG_VALIDATOR = django.core.validators.RegexValidator(
    "^[a-z0-9]+(?:-[a-z0-9]+)*\\Z",
    "Use lower-case English letters, digits and hyphens, e.g. rangpur-sadar.",
)
SLUG_HELP = (
    "The office's pages are at /bn/offices/<address name>/. Left empty, it is made from the "
    "English name. Keep it once the pages are public: printed QR codes point at it."
)


def fill_slugs(apps, schema_editor):
    """Each existing office's slug from its English name, as Office.fill_slug makes it."""
    Office = apps.get_model("services", "Office")
    taken = set()
    for office in Office.objects.order_by("pk"):
        base = slugify(office.name_en or "")[:50].strip("-") or "office"
        slug, number = base, 1
        while slug in taken:
            number += 1
            slug = f"{base}-{number}"
        taken.add(slug)
        office.slug = slug
        office.save(update_fields=["slug"])


def publish_existing_charters(apps, schema_editor):
    """Every charter the public saw before the flag existed stays public."""
    apps.get_model("services", "Charter").objects.update(is_published=True)


class Migration(migrations.Migration):
    dependencies = [
        ("services", "0002_charter_editor_group"),
    ]

    operations = [
        migrations.AddField(
            model_name="charter",
            name="is_published",
            field=models.BooleanField(
                default=True,
                help_text="Only a published charter is shown to the public. Until then the office's pages say that its charter is not yet published.",
                verbose_name="published",
            ),
        ),
        migrations.RunPython(publish_existing_charters, migrations.RunPython.noop),
        migrations.AddField(
            model_name="office",
            name="slug",
            field=models.CharField(
                blank=True, max_length=60, null=True, verbose_name="address name"
            ),
        ),
        migrations.RunPython(fill_slugs, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="office",
            name="slug",
            field=models.CharField(
                blank=True,
                help_text=SLUG_HELP,
                max_length=60,
                unique=True,
                validators=[SLUG_VALIDATOR],
                verbose_name="address name",
            ),
        ),
        migrations.AlterField(
            model_name="office",
            name="level",
            field=models.CharField(
                choices=[
                    ("ministry", "Ministry or division"),
                    ("department", "Department"),
                    ("division", "Division office"),
                    ("district", "District office"),
                    ("upazila", "Upazila office"),
                ],
                max_length=20,
                verbose_name="level",
            ),
        ),
        migrations.CreateModel(
            name="OfficeHost",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "host",
                    services.models.HostNameField(
                        help_text="A request to this host is served this office's pages. Add the host name to the ALLOWED_HOSTS setting too.",
                        max_length=253,
                        unique=True,
                        validators=[
                            django.core.validators.RegexValidator(
                                "^(?=.{1,253}\\Z)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*\\Z",
                                "A host name only, e.g. doict.kaunia.rangpur.gov.bd: no https://, port or path.",
                            )
                        ],
                        verbose_name="host name",
                    ),
                ),
                (
                    "office",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="hosts",
                        to="services.office",
                        verbose_name="office",
                    ),
                ),
            ],
            options={
                "verbose_name": "host name",
                "verbose_name_plural": "host names",
                "ordering": ["host"],
            },
        ),
    ]
