"""The eleven services whose charter prints its time-limit template unfilled ("তাৎক্ষণিক/
কার্যদিবস (প্রযোজ্য ক্ষেত্রে)": immediately or so many working days, where applicable) were
stored as "immediate"; they are "not fixed", with the printed text kept."""

import re
import unicodedata

from django.db import migrations, models

# The template as printed, compared without spaces, in NFC, khanda ta in either spelling.
UNFILLED_TEMPLATE = "তাৎক্ষণিক/কার্যদিবস(প্রযোজ্যক্ষেত্রে)"


def _comparable(text: str) -> str:
    text = unicodedata.normalize("NFC", text or "").replace("ত\u09cd\u200d", "ৎ")
    return re.sub(r"\s+", "", text)


def is_unfilled_template(text: str) -> bool:
    return _comparable(text) == UNFILLED_TEMPLATE


def immediate_to_not_fixed(apps, schema_editor):
    Service = apps.get_model("services", "Service")
    for service in Service.objects.filter(time_limit_kind="immediate"):
        if is_unfilled_template(service.time_limit_text_bn or service.time_limit_text):
            Service.objects.filter(pk=service.pk).update(time_limit_kind="not_fixed")


def not_fixed_to_immediate(apps, schema_editor):
    Service = apps.get_model("services", "Service")
    Service.objects.filter(time_limit_kind="not_fixed").update(time_limit_kind="immediate")


class Migration(migrations.Migration):
    dependencies = [
        ("services", "0004_staffmembership"),
    ]

    operations = [
        migrations.AlterField(
            model_name="service",
            name="time_limit_kind",
            field=models.CharField(
                choices=[
                    ("working_days", "A number of working days"),
                    ("immediate", "Immediately"),
                    ("none", "No fixed time limit"),
                    ("not_fixed", "Not fixed (the charter gives no number)"),
                ],
                max_length=20,
                verbose_name="time limit",
            ),
        ),
        migrations.RunPython(immediate_to_not_fixed, not_fixed_to_immediate),
    ]
