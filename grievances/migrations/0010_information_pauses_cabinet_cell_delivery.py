"""Information requests pause the clock, tier 3 is "for the Cabinet Division cell", the
GRO's "complainant not informed" list, and each timeline entry's deadline.

Data: open cases already at tier 3 become "for the Cabinet Division cell" (the cell works
outside this system; they were never really open here). Each case's latest step at its
current tier records the case's deadline, which is the deadline that step left (the
monthly report reads a past month's deadlines from the steps; older steps are replayed
from the charter as before).
"""

from django.db import migrations, models
from django.db.models import OuterRef, Subquery

OPEN = ["received", "in_progress", "awaiting_information", "forwarded"]


def mark_cell_cases(apps, schema_editor):
    Grievance = apps.get_model("grievances", "Grievance")  # noqa: N806
    Grievance.objects.filter(tier=3, status__in=OPEN).update(status="cabinet_cell")


def unmark_cell_cases(apps, schema_editor):
    Grievance = apps.get_model("grievances", "Grievance")  # noqa: N806
    Grievance.objects.filter(status="cabinet_cell").update(status="received")


def record_current_deadlines(apps, schema_editor):
    Grievance = apps.get_model("grievances", "Grievance")  # noqa: N806
    TimelineEntry = apps.get_model("grievances", "TimelineEntry")  # noqa: N806
    latest = (
        TimelineEntry.objects.filter(
            grievance=OuterRef("grievance"), to_tier=OuterRef("grievance__tier")
        )
        .order_by("-created_at", "-pk")
        .values("pk")[:1]
    )
    latest_steps = (
        TimelineEntry.objects.annotate(latest=Subquery(latest))
        .filter(pk=models.F("latest"))
        .values("pk")
    )
    TimelineEntry.objects.filter(pk__in=latest_steps, deadline__isnull=True).update(
        deadline=Subquery(Grievance.objects.filter(pk=OuterRef("grievance")).values("deadline")[:1])
    )


class Migration(migrations.Migration):
    dependencies = [
        ("grievances", "0009_annex_forms_hearings_blacklist"),
        ("services", "0005_time_limit_not_fixed"),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="grievance",
            name="grievance_status_valid",
        ),
        migrations.AddField(
            model_name="grievance",
            name="complainant_not_informed",
            field=models.BooleanField(
                default=False,
                help_text="A message to the complainant could not be delivered, or no message about the decision reached them within 7 working days. Tell them another way, then record it.",
                verbose_name="complainant not informed",
            ),
        ),
        migrations.AddField(
            model_name="grievance",
            name="decision_notice_due",
            field=models.DateField(
                blank=True, db_index=True, null=True, verbose_name="decision to be told by"
            ),
        ),
        migrations.AddField(
            model_name="grievance",
            name="information_due",
            field=models.DateField(blank=True, null=True, verbose_name="information due by"),
        ),
        migrations.AddField(
            model_name="grievance",
            name="paused_on",
            field=models.DateField(blank=True, null=True, verbose_name="clock paused on"),
        ),
        migrations.AddField(
            model_name="grievance",
            name="working_days_left_when_paused",
            field=models.PositiveSmallIntegerField(
                blank=True, null=True, verbose_name="working days left when paused"
            ),
        ),
        migrations.AddField(
            model_name="timelineentry",
            name="deadline",
            field=models.DateField(blank=True, null=True, verbose_name="deadline after this step"),
        ),
        migrations.AddField(
            model_name="timelineentry",
            name="effective_on",
            field=models.DateField(blank=True, null=True, verbose_name="took effect on"),
        ),
        migrations.AlterField(
            model_name="grievance",
            name="status",
            field=models.CharField(
                choices=[
                    ("received", "Received"),
                    ("in_progress", "In progress"),
                    ("awaiting_information", "Waiting for information"),
                    ("forwarded", "Forwarded to another office"),
                    ("disposed", "Disposed"),
                    ("closed", "Closed"),
                    ("cabinet_cell", "For the Cabinet Division cell"),
                ],
                default="received",
                max_length=24,
                verbose_name="status",
            ),
        ),
        migrations.AlterField(
            model_name="timelineentry",
            name="from_status",
            field=models.CharField(
                blank=True,
                choices=[
                    ("received", "Received"),
                    ("in_progress", "In progress"),
                    ("awaiting_information", "Waiting for information"),
                    ("forwarded", "Forwarded to another office"),
                    ("disposed", "Disposed"),
                    ("closed", "Closed"),
                    ("cabinet_cell", "For the Cabinet Division cell"),
                ],
                max_length=24,
                verbose_name="from status",
            ),
        ),
        migrations.AlterField(
            model_name="timelineentry",
            name="to_status",
            field=models.CharField(
                choices=[
                    ("received", "Received"),
                    ("in_progress", "In progress"),
                    ("awaiting_information", "Waiting for information"),
                    ("forwarded", "Forwarded to another office"),
                    ("disposed", "Disposed"),
                    ("closed", "Closed"),
                    ("cabinet_cell", "For the Cabinet Division cell"),
                ],
                max_length=24,
                verbose_name="to status",
            ),
        ),
        migrations.RunPython(mark_cell_cases, unmark_cell_cases),
        migrations.RunPython(record_current_deadlines, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="grievance",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    (
                        "status__in",
                        [
                            "received",
                            "in_progress",
                            "awaiting_information",
                            "forwarded",
                            "disposed",
                            "closed",
                            "cabinet_cell",
                        ],
                    )
                ),
                name="grievance_status_valid",
            ),
        ),
    ]
