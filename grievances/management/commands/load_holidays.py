import datetime

import holidays
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

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
