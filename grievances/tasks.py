"""The worker's tasks (Celery). Each is safe to run twice at once and to re-run after a
crash: the outbox, the escalation sweep and the digest are idempotent by themselves."""

from celery import shared_task

from core import heartbeat

from . import calendar, notifications, workflow


@shared_task(name="grievances.tasks.send_messages")
def send_messages(message_ids: list[int]) -> int:
    """Send the messages a step just queued; returns how many went out."""
    return sum(notifications.send_message(message_id) for message_id in message_ids)


@shared_task(name="grievances.tasks.send_due_messages")
def send_due_messages() -> int:
    """The outbox sweep: whatever is due, including retries and anything a lost task left."""
    sent, _failed = notifications.send_due()
    heartbeat.beat("outbox_sweep")
    return sent


@shared_task(name="grievances.tasks.escalate_overdue_cases")
def escalate_overdue_cases() -> int:
    """The hourly sweep: escalations (catching up missed days), reminders of requests for
    information, and the 7-working-day check that complainants were told their decisions."""
    result = workflow.sweep(today=calendar.today())
    heartbeat.beat("escalation_sweep")
    return result.escalation.total


@shared_task(name="grievances.tasks.queue_officer_digest")
def queue_officer_digest() -> int:
    return notifications.queue_officer_digests(today=calendar.today())
