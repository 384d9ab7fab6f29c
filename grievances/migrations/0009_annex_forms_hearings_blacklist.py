# Annex খ-১ and খ-২ fields, hearings, investigations, the blacklist (guideline §8) and
# confirmed holiday calendars.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("grievances", "0008_staff_offices_to_memberships"),
        ("services", "0005_time_limit_not_fixed"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="Appeal",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "from_tier",
                    models.PositiveSmallIntegerField(
                        choices=[
                            (1, "Grievance redress officer (GRO)"),
                            (2, "Appeal officer"),
                            (3, "Cabinet Division grievance management cell"),
                        ],
                        verbose_name="appealed from tier",
                    ),
                ),
                (
                    "appellant_role",
                    models.CharField(
                        choices=[
                            ("complainant", "The complainant"),
                            ("responsible_officer", "The officer responsible for the service"),
                            ("accused_officer", "The officer complained against"),
                        ],
                        max_length=30,
                        verbose_name="who appeals",
                    ),
                ),
                (
                    "appellant_name",
                    models.CharField(blank=True, max_length=200, verbose_name="appellant's name"),
                ),
                (
                    "appellant_address",
                    models.TextField(
                        blank=True, verbose_name="appellant's designation and address"
                    ),
                ),
                (
                    "appellant_mobile",
                    models.CharField(
                        blank=True, max_length=11, verbose_name="appellant's mobile number"
                    ),
                ),
                ("decision_appealed", models.TextField(verbose_name="decision appealed")),
                ("disposed_on", models.DateField(verbose_name="date of the decision")),
                ("grounds", models.TextField(verbose_name="grounds for the appeal")),
                (
                    "channel",
                    models.CharField(
                        choices=[
                            ("web", "On the tracking page"),
                            ("paper", "On paper (entered by staff)"),
                        ],
                        max_length=10,
                        verbose_name="received",
                    ),
                ),
                ("received_on", models.DateField(verbose_name="date of receipt")),
                ("created_at", models.DateTimeField(verbose_name="recorded at")),
            ],
            options={
                "verbose_name": "appeal",
                "verbose_name_plural": "appeals",
                "ordering": ["grievance", "created_at", "pk"],
            },
        ),
        migrations.CreateModel(
            name="BlacklistRecord",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "identifier_type",
                    models.CharField(
                        choices=[
                            ("mobile", "Mobile number"),
                            ("nid", "National ID"),
                            ("birth", "Birth registration"),
                            ("passport", "Passport"),
                        ],
                        max_length=10,
                        verbose_name="kind of number",
                    ),
                ),
                ("identifier", models.CharField(max_length=30, verbose_name="number")),
                (
                    "action",
                    models.CharField(
                        choices=[
                            ("proposed", "Proposed by the GRO"),
                            ("confirmed", "Confirmed by the appeal officer"),
                            ("rejected", "Turned down by the appeal officer"),
                            ("lifted", "Lifted"),
                        ],
                        max_length=10,
                        verbose_name="step",
                    ),
                ),
                ("reason", models.TextField(blank=True, verbose_name="reason")),
                (
                    "actor_label",
                    models.CharField(blank=True, max_length=200, verbose_name="by (as recorded)"),
                ),
                ("created_at", models.DateTimeField(verbose_name="when")),
            ],
            options={
                "verbose_name": "blacklist record",
                "verbose_name_plural": "blacklist",
                "ordering": ["-created_at", "-pk"],
            },
        ),
        migrations.CreateModel(
            name="Hearing",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "tier",
                    models.PositiveSmallIntegerField(
                        choices=[
                            (1, "Grievance redress officer (GRO)"),
                            (2, "Appeal officer"),
                            (3, "Cabinet Division grievance management cell"),
                        ],
                        verbose_name="tier",
                    ),
                ),
                ("starts_at", models.DateTimeField(verbose_name="date and time")),
                ("place", models.CharField(max_length=300, verbose_name="place")),
                ("summoned", models.TextField(verbose_name="summoned")),
            ],
            options={
                "verbose_name": "hearing",
                "verbose_name_plural": "hearings",
                "ordering": ["grievance", "starts_at", "pk"],
            },
        ),
        migrations.CreateModel(
            name="HolidayYear",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("year", models.PositiveSmallIntegerField(unique=True, verbose_name="year")),
                ("confirmed_at", models.DateTimeField(verbose_name="confirmed at")),
            ],
            options={
                "verbose_name": "confirmed holiday calendar",
                "verbose_name_plural": "confirmed holiday calendars",
                "ordering": ["year"],
            },
        ),
        migrations.CreateModel(
            name="Investigation",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "investigating_officer",
                    models.CharField(
                        max_length=300, verbose_name="investigating officer (name and designation)"
                    ),
                ),
                ("due_on", models.DateField(verbose_name="report due on")),
            ],
            options={
                "verbose_name": "investigation",
                "verbose_name_plural": "investigations",
                "ordering": ["grievance", "due_on", "pk"],
            },
        ),
        migrations.AddField(
            model_name="grievance",
            name="blacklisted",
            field=models.BooleanField(
                default=False,
                help_text="The mobile number or ID was confirmed as having filed false or harassing complaints. The complaint is received; the GRO may decline it with a reason.",
                verbose_name="from a blacklisted number or ID",
            ),
        ),
        migrations.AddField(
            model_name="grievance",
            name="complaining_office",
            field=models.CharField(blank=True, max_length=300, verbose_name="complaining office"),
        ),
        migrations.AddField(
            model_name="grievance",
            name="complaining_office_address",
            field=models.TextField(blank=True, verbose_name="complaining office's address"),
        ),
        migrations.AddField(
            model_name="grievance",
            name="date_of_birth",
            field=models.DateField(blank=True, null=True, verbose_name="date of birth"),
        ),
        migrations.AddField(
            model_name="grievance",
            name="declaration",
            field=models.BooleanField(
                default=False,
                help_text="The complainant declared the information true (annex খ-১).",
                verbose_name="declaration made",
            ),
        ),
        migrations.AddField(
            model_name="grievance",
            name="disposal_kind",
            field=models.CharField(
                blank=True,
                choices=[
                    ("decided", "Decided"),
                    ("declined", "Declined"),
                    ("no_information", "Closed for want of information"),
                ],
                max_length=20,
                verbose_name="kind of disposal",
            ),
        ),
        migrations.AddField(
            model_name="grievance",
            name="education",
            field=models.CharField(
                blank=True, max_length=200, verbose_name="educational qualification"
            ),
        ),
        migrations.AddField(
            model_name="grievance",
            name="gender",
            field=models.CharField(
                blank=True,
                choices=[("female", "Female"), ("male", "Male"), ("third", "Third gender")],
                max_length=10,
                verbose_name="gender",
            ),
        ),
        migrations.AddField(
            model_name="grievance",
            name="occupation",
            field=models.CharField(blank=True, max_length=200, verbose_name="occupation"),
        ),
        migrations.AddField(
            model_name="grievance",
            name="prevention",
            field=models.TextField(blank=True, verbose_name="how to prevent it happening again"),
        ),
        migrations.AddField(
            model_name="grievance",
            name="recipient_name",
            field=models.CharField(
                blank=True, max_length=200, verbose_name="service recipient's name"
            ),
        ),
        migrations.AddField(
            model_name="grievance",
            name="recipient_relation",
            field=models.CharField(
                blank=True,
                choices=[
                    ("self", "Self"),
                    ("representative", "Representative of an institution"),
                    ("relative", "Relative"),
                ],
                max_length=20,
                verbose_name="service recipient's relation",
            ),
        ),
        migrations.AddField(
            model_name="grievance",
            name="remedy_sought",
            field=models.TextField(blank=True, verbose_name="remedy sought"),
        ),
        migrations.AddField(
            model_name="grievance",
            name="writing_officer",
            field=models.CharField(
                blank=True, max_length=300, verbose_name="officer writing (name and designation)"
            ),
        ),
        migrations.AlterField(
            model_name="timelineentry",
            name="kind",
            field=models.CharField(
                choices=[
                    ("submitted", "Complaint received"),
                    ("started", "Work started"),
                    ("information_requested", "Information requested"),
                    ("information_received", "Information received"),
                    ("forwarded", "Forwarded to another office"),
                    ("hearing_scheduled", "Hearing scheduled"),
                    ("hearing_recorded", "Hearing held"),
                    ("investigation_ordered", "Investigation ordered"),
                    ("investigation_reported", "Investigation report received"),
                    ("disposed", "Disposed with a decision"),
                    ("escalated", "Escalated to the next tier"),
                    ("appealed", "Appeal received"),
                    ("closed", "Closed"),
                    ("rated", "Complainant rated the disposal"),
                    ("cell_summary_emailed", "Case summary e-mailed to the Cabinet Division cell"),
                    ("cell_decision_recorded", "Decision of the Cabinet Division cell recorded"),
                    ("complainant_not_informed", "Complainant not informed"),
                    ("complainant_informed", "Complainant informed another way"),
                ],
                max_length=30,
                verbose_name="step",
            ),
        ),
        migrations.AddField(
            model_name="appeal",
            name="entry",
            field=models.OneToOneField(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="grievances.timelineentry",
                verbose_name="timeline entry",
            ),
        ),
        migrations.AddField(
            model_name="appeal",
            name="grievance",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="appeals",
                to="grievances.grievance",
                verbose_name="complaint",
            ),
        ),
        migrations.AddField(
            model_name="blacklistrecord",
            name="actor",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="by",
            ),
        ),
        migrations.AddField(
            model_name="blacklistrecord",
            name="grievance",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="blacklist_records",
                to="grievances.grievance",
                verbose_name="complaint",
            ),
        ),
        migrations.AddField(
            model_name="blacklistrecord",
            name="office",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="services.office",
                verbose_name="office",
            ),
        ),
        migrations.AddField(
            model_name="hearing",
            name="grievance",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="hearings",
                to="grievances.grievance",
                verbose_name="complaint",
            ),
        ),
        migrations.AddField(
            model_name="hearing",
            name="outcome_entry",
            field=models.OneToOneField(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="held_hearing",
                to="grievances.timelineentry",
            ),
        ),
        migrations.AddField(
            model_name="hearing",
            name="scheduled_entry",
            field=models.OneToOneField(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="scheduled_hearing",
                to="grievances.timelineentry",
            ),
        ),
        migrations.AddField(
            model_name="holidayyear",
            name="confirmed_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="confirmed by",
            ),
        ),
        migrations.AddField(
            model_name="investigation",
            name="grievance",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="investigations",
                to="grievances.grievance",
                verbose_name="complaint",
            ),
        ),
        migrations.AddField(
            model_name="investigation",
            name="ordered_entry",
            field=models.OneToOneField(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="ordered_investigation",
                to="grievances.timelineentry",
            ),
        ),
        migrations.AddField(
            model_name="investigation",
            name="report",
            field=models.OneToOneField(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="investigation",
                to="grievances.attachment",
                verbose_name="report",
            ),
        ),
        migrations.AddField(
            model_name="investigation",
            name="report_entry",
            field=models.OneToOneField(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="reported_investigation",
                to="grievances.timelineentry",
            ),
        ),
        migrations.AddIndex(
            model_name="blacklistrecord",
            index=models.Index(
                fields=["office", "identifier_type", "identifier", "created_at"],
                name="blacklist_lookup",
            ),
        ),
    ]
