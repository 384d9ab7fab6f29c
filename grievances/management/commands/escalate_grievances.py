import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from core import heartbeat
from grievances.workflow import escalate_overdue, sweep


def as_of_date(value: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value)
    except ValueError as error:
        raise CommandError(f"--as-of must be YYYY-MM-DD, not {value!r}") from error


class Command(BaseCommand):
    help = (
        "Move every complaint whose tier deadline has passed without a disposal up one tier "
        "(its new tier starting the day after the missed deadline), remind complainants of "
        "answers due, and flag decisions not told within 7 working days. Idempotent, safe to "
        "run twice at once, catches up missed days; with --as-of, its records carry that date."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--as-of", type=as_of_date, help="Treat this date (YYYY-MM-DD) as today."
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Count what would move; change nothing."
        )

    def handle(self, *args, as_of=None, dry_run=False, **options):
        today = as_of or timezone.localdate()
        if dry_run:
            result = escalate_overdue(today=today, dry_run=True)
        else:
            done = sweep(today=today)
            result = done.escalation
            self.stdout.write(
                f"Reminders queued: {done.reminders}; "
                f"decisions not told in time: {done.not_informed}."
            )
        if not dry_run and as_of is None:
            heartbeat.beat("escalation_sweep")
        verb = "Would escalate" if dry_run else "Escalated"
        detail = ", ".join(
            f"{count} from tier {tier}" for tier, count in sorted(result.by_tier.items())
        )
        self.stdout.write(
            f"{verb} {result.total} complaint(s) as of {today}" + (f": {detail}" if detail else ".")
        )
        for (office, tier), count in sorted(result.stuck.items(), key=str):
            self.stderr.write(
                f"{count} complaint(s) of {office} stay at tier {tier}: its charter has no "
                f"GRS tier {tier + 1}. Add it in admin; the next run moves them."
            )
