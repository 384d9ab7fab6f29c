from django.core.management.base import BaseCommand
from django.utils import timezone

from grievances.management.commands.escalate_grievances import as_of_date
from grievances.notifications import queue_officer_digests


class Command(BaseCommand):
    help = (
        "Queue one e-mail per officer listing their open complaints due within 5 working days "
        "(at most one per officer per day). send_outbox sends them."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--as-of", type=as_of_date, help="Treat this date (YYYY-MM-DD) as today."
        )

    def handle(self, *args, as_of=None, **options):
        today = as_of or timezone.localdate()
        queued = queue_officer_digests(today=today)
        self.stdout.write(f"Queued {queued} digest(s) for {today}.")
