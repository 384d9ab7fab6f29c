from django.db import migrations, models

OFFICER_GROUPS = ["GRO", "appeal officer", "Cabinet cell"]


def let_officers_enter_offline_complaints(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    add = Permission.objects.filter(
        content_type__app_label="grievances", codename="add_grievance"
    ).first()
    if add is not None:
        for group in Group.objects.filter(name__in=OFFICER_GROUPS):
            group.permissions.add(add)


def undo(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    add = Permission.objects.filter(content_type__app_label="grievances", codename="add_grievance")
    for group in Group.objects.filter(name__in=OFFICER_GROUPS):
        group.permissions.remove(*add)


class Migration(migrations.Migration):
    dependencies = [
        ("grievances", "0003_apikey"),
    ]

    operations = [
        migrations.AlterField(
            model_name="grievance",
            name="channel",
            field=models.CharField(
                choices=[
                    ("web", "Web form"),
                    ("api", "API"),
                    ("staff", "Entered by staff"),
                    ("post", "By post (entered by staff)"),
                    ("phone", "By phone (entered by staff)"),
                    ("desk", "At the front desk (entered by staff)"),
                ],
                default="web",
                max_length=10,
                verbose_name="received via",
            ),
        ),
        migrations.RunPython(let_officers_enter_offline_complaints, undo),
    ]
