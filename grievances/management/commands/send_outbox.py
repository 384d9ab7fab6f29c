from django.core.management.base import BaseCommand

from core import heartbeat
from grievances.notifications import send_due


class Command(BaseCommand):
    help = "Send queued SMS and e-mail messages; failed ones are retried later with back-off."

    def add_arguments(self, parser):
        parser.add_argument("--limit", type=int, default=500, help="Most messages per run.")

    def handle(self, *args, limit=500, **options):
        sent, failed = send_due(limit=limit)
        heartbeat.beat("outbox_sweep")
        self.stdout.write(f"Sent {sent} message(s); {failed} failed and will be retried.")
