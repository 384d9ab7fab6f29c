import datetime

import holidays
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from grievances import holiday_calendar
from grievances.models import Holiday


class Command(BaseCommand):
    help = (
        "Fill a year's government holidays from the `holidays` package's Bangladesh calendar, "
        "as a starting point: staff correct them in admin (lunar dates move; the package "
        "misses some holidays). Existing dates are left as staff edited them."
    )

    def add_arguments(self, parser):
        parser.add_argument("year", type=int)

    def handle(self, *args, year, **options):
        if not 2000 <= year <= 2100:
            raise CommandError("Give a year between 2000 and 2100.")
        names_bn = holidays.country_holidays("BD", years=year, language="bn")
        names_en = holidays.country_holidays("BD", years=year, language="en_US")
        created = 0
        with transaction.atomic():
            for day in sorted(names_en):
                if Holiday.objects.filter(date=day).exists():
                    continue
                name_en = names_en.get(day)
                name_bn = names_bn.get(day) or name_en
                Holiday.objects.create(date=day, name_bn=name_bn, name_en=name_en)
                created += 1
        total = Holiday.objects.filter(
            date__range=(datetime.date(year, 1, 1), datetime.date(year, 12, 31))
        ).count()
        self.stdout.write(f"Added {created} holiday(s) for {year}; {total} in the table now.")
        report = holiday_calendar.package_report(year)
        if report.undated:
            names = ", ".join(f"{h.name_en} ({h.name_bn})" for h in report.undated)
            self.stdout.write(
                self.style.WARNING(
                    f"Not dated by the holidays package, so not added: {names}. "
                    "Add them in admin from the government's holiday list."
                )
            )
        if report.estimated:
            dated = "; ".join(
                f"{h.name_en} {', '.join(day.isoformat() for day in days)}"
                for h, days in report.estimated
            )
            self.stdout.write(
                "Lunar dates, which the moon sighting may move by a day: check them against "
                f"the government's list: {dated}."
            )
        self.stdout.write(
            f"Then confirm the {year} calendar in admin (Holidays, action "
            "“Confirm the holiday calendar”): until then admin shows a warning."
        )
