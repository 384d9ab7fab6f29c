"""generate_network: a synthetic network of offices and complaints, for benchmarks only.

    python manage.py generate_network --offices 600 --cases 100000

Makes a synthetic department with district offices under it and upazila offices under
those (one district for every nine upazilas), ``--offices`` offices in all. Each gets a
published charter copied from a real published charter (``--source``, an office's slug;
by default the first published charter, Kaunia's) with ``services.copying.copy_charter``:
its 19 services, expectations and GRS tiers, officers matched by designation. Then
``--cases`` open complaints at tier 1, spread evenly over the offices and their services,
each with its "received" timeline entry; ``--overdue-percent`` of them (10 by default)
are past their tier-1 deadline, the rest received within the last four weeks. The cases
are written with bulk inserts, a few thousand rows a statement.

Never part of ``make run`` or any fixture. It refuses to run under production settings, or
on a database that holds complaints it did not make itself, unless ``--force``. Synthetic
offices have slugs starting ``syn``; synthetic complaints have tracking numbers starting
``SYN-``.
"""

import datetime
import itertools
import math
import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from grievances import calendar
from grievances.models import Grievance, TimelineEntry
from services.copying import copy_charter
from services.models import Charter, GrsTier, Office, Service

PRODUCTION_SETTINGS = "charter_site.settings.production"
TRACKING_PREFIX = "SYN-"
SLUG_PREFIX = "syn"
UPAZILAS_PER_DISTRICT = 9


def _date(text: str) -> datetime.date:
    return datetime.date.fromisoformat(text)


class Command(BaseCommand):
    help = (
        "Make a synthetic network of offices (each with a published charter copied from a "
        "real one) and complaints, for benchmarks. Not for a real site."
    )

    def add_arguments(self, parser):
        parser.add_argument("--offices", type=int, default=600, help="offices to make (600)")
        parser.add_argument("--cases", type=int, default=0, help="open complaints to make (0)")
        parser.add_argument(
            "--overdue-percent",
            type=int,
            default=10,
            help="share of the complaints already past their deadline, in percent (10)",
        )
        parser.add_argument(
            "--source", default="", help="slug of the office whose published charter is copied"
        )
        parser.add_argument(
            "--today", type=_date, default=None, help="the day the deadlines count from (today)"
        )
        parser.add_argument("--batch-size", type=int, default=5000)
        parser.add_argument(
            "--force",
            action="store_true",
            help="run under production settings or beside real complaints all the same",
        )

    def handle(self, *args, **options):
        offices, cases = options["offices"], options["cases"]
        if offices < 1:
            raise CommandError("--offices must be at least 1.")
        if cases < 0 or not 0 <= options["overdue_percent"] <= 100:
            raise CommandError("--cases must be 0 or more, --overdue-percent 0 to 100.")
        self._refuse_a_real_site(force=options["force"])
        source = self._source(options["source"])
        today = options["today"] or calendar.today()
        started = time.perf_counter()

        made = self._offices(offices)
        charters_started = time.perf_counter()
        for office in made:
            copy_charter(source=source, to_office=office)
        Charter.objects.filter(office__in=made).update(is_published=True)
        self.stdout.write(
            f"{len(made)} offices under {made[0].parent.slug} "
            f"({sum(o.level == Office.Level.DISTRICT for o in made)} districts), each with a "
            f"published charter copied from {source.office.slug} "
            f"({Service.objects.filter(office__in=made).count()} services) "
            f"in {time.perf_counter() - charters_started:.1f} s."
        )

        if cases:
            cases_started = time.perf_counter()
            overdue = self._cases(
                made,
                cases=cases,
                overdue_percent=options["overdue_percent"],
                today=today,
                batch_size=options["batch_size"],
            )
            self.stdout.write(
                f"{cases} complaints ({overdue} overdue on {today.isoformat()}) with their "
                f"timeline entries in {time.perf_counter() - cases_started:.1f} s."
            )
        self.stdout.write(f"Done in {time.perf_counter() - started:.1f} s.")

    # --- checks ---

    def _refuse_a_real_site(self, *, force: bool) -> None:
        if force:
            return
        if getattr(settings, "SETTINGS_MODULE", "") == PRODUCTION_SETTINGS:
            raise CommandError(
                "Refusing to run under production settings: this makes synthetic offices and "
                "complaints, for benchmarks. Use --force on a benchmark database."
            )
        real = Grievance.objects.exclude(tracking_number__startswith=TRACKING_PREFIX)
        if real.exists():
            raise CommandError(
                f"Refusing to run: the database holds {real.count()} complaints this command "
                "did not make. Use --force on a benchmark database."
            )

    def _source(self, slug: str) -> Charter:
        charters = Charter.objects.filter(is_published=True).select_related("office")
        if slug:
            charters = charters.filter(office__slug=slug)
        source = charters.order_by("pk").first()
        if source is None:
            raise CommandError(
                "No published charter to copy" + (f" for the office {slug!r}." if slug else ".")
            )
        return source

    # --- offices ---

    def _offices(self, count: int) -> list[Office]:
        """A synthetic department (not counted, without a charter) and ``count`` offices."""
        run = 1 + Office.objects.filter(slug__regex=rf"^{SLUG_PREFIX}[0-9]+$").count()
        while Office.objects.filter(slug=f"{SLUG_PREFIX}{run}").exists():
            run += 1
        prefix = f"{SLUG_PREFIX}{run}"
        department = Office.objects.create(
            level=Office.Level.DEPARTMENT,
            name_bn=f"সিন্থেটিক অধিদপ্তর {run}",
            name_en=f"Synthetic department {run}",
            slug=prefix,
        )
        districts_count = max(1, math.ceil(count / (UPAZILAS_PER_DISTRICT + 1)))
        districts = Office.objects.bulk_create(
            Office(
                parent=department,
                level=Office.Level.DISTRICT,
                name_bn=f"সিন্থেটিক জেলা কার্যালয় {run}-{n}",
                name_en=f"Synthetic district office {run}-{n}",
                address_bn="সিন্থেটিক",
                address_en="Synthetic",
                slug=f"{prefix}-d{n}",
            )
            for n in range(1, districts_count + 1)
        )
        parents = itertools.cycle(districts)
        upazilas = Office.objects.bulk_create(
            Office(
                parent=next(parents),
                level=Office.Level.UPAZILA,
                name_bn=f"সিন্থেটিক উপজেলা কার্যালয় {run}-{n}",
                name_en=f"Synthetic upazila office {run}-{n}",
                address_bn="সিন্থেটিক",
                address_en="Synthetic",
                slug=f"{prefix}-u{n}",
            )
            for n in range(1, count - districts_count + 1)
        )
        made = list(districts) + list(upazilas)
        # bulk_create's objects lack the parent's parent: read them back whole.
        return list(Office.objects.filter(pk__in=[o.pk for o in made]).select_related("parent"))

    # --- complaints ---

    def _cases(self, offices, *, cases, overdue_percent, today, batch_size) -> int:
        office_ids = [office.pk for office in offices]
        services: dict[int, list[int]] = {pk: [] for pk in office_ids}
        for office_id, service_id in (
            Service.objects.filter(office__in=office_ids)
            .order_by("office", "category", "serial")
            .values_list("office_id", "pk")
        ):
            services[office_id].append(service_id)
        gro = dict(
            GrsTier.objects.filter(charter__office__in=office_ids, level=1).values_list(
                "charter__office_id", "officer_id"
            )
        )
        first_number = Grievance.objects.filter(tracking_number__startswith=TRACKING_PREFIX).count()
        every = round(100 / overdue_percent) if overdue_percent else 0
        deadlines: dict[datetime.date, datetime.date] = {}

        def deadline(received_on):
            if received_on not in deadlines:
                deadlines[received_on] = calendar.add_working_days(received_on, 30)
            return deadlines[received_on]

        overdue_count = 0
        batch: list[Grievance] = []
        for n in range(cases):
            # Every run of len(office_ids) cases gives each office one, shifted by one office
            # each run, so that the overdue cases (every n-th) fall on every office too.
            office_id = office_ids[(n + n // len(office_ids)) % len(office_ids)]
            office_services = services[office_id] or [None]
            overdue = bool(every) and n % every == 0
            # Overdue: received 60 to 69 days ago; the 30th working day after is past.
            # Open: received in the last four weeks, the deadline still ahead.
            days_ago = 60 + n % 10 if overdue else n % 28
            received_on = today - datetime.timedelta(days=days_ago)
            due = deadline(received_on)
            overdue_count += due < today
            received_at = timezone.make_aware(
                datetime.datetime.combine(received_on, datetime.time(10, n % 60))
            )
            batch.append(
                Grievance(
                    tracking_number=f"{TRACKING_PREFIX}{first_number + n:08d}",
                    complaint_type=Grievance.ComplaintType.CITIZEN,
                    name=f"সিন্থেটিক নাগরিক {n}",
                    mobile=f"017{n % 100_000_000:08d}",
                    language="bn",
                    office_id=office_id,
                    service_id=office_services[n % len(office_services)]
                    if office_services
                    else None,
                    subject="সিন্থেটিক অভিযোগ",
                    description="বেঞ্চমার্কের জন্য তৈরি অভিযোগ।",
                    channel=Grievance.Channel.WEB,
                    received_at=received_at,
                    tier=GrsTier.Level.GRO,
                    status=Grievance.Status.RECEIVED,
                    handling_officer_id=gro.get(office_id),
                    tier_started_on=received_on,
                    deadline=due,
                )
            )
            if len(batch) == batch_size:
                self._write(batch)
                batch = []
        if batch:
            self._write(batch)
        return overdue_count

    def _write(self, batch: list[Grievance]) -> None:
        with transaction.atomic():
            created = Grievance.objects.bulk_create(batch)
            TimelineEntry.objects.bulk_create(
                TimelineEntry(
                    grievance_id=case.pk,
                    created_at=case.received_at,
                    kind=TimelineEntry.Kind.SUBMITTED,
                    actor_label="সিন্থেটিক",
                    from_status="",
                    to_status=Grievance.Status.RECEIVED,
                    from_tier=None,
                    to_tier=GrsTier.Level.GRO,
                )
                for case in created
            )
