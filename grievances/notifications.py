"""Messages about complaints: queued in the database outbox, sent later by ``send_outbox``.

Complainants hear by SMS (and e-mail when they gave one), officers by e-mail. Messages carry
the tracking number, the step and the dates, never the complainant's personal data; only the
complainant and the handling officer receive them.

The texts are templates in ``templates/grievances/messages/``, rendered in the reader's
language: numbers and dates as that language writes them (Bangla digits on Bangla messages),
the tracking number and links as they are.
"""

import datetime
import logging

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import IntegrityError, connection, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from services.models import GrsTier, Officer

from . import calendar, sms
from .models import Grievance, OutboxMessage, TimelineEntry

logger = logging.getLogger(__name__)
Kind = TimelineEntry.Kind
TRACKING_PLACEHOLDER = "\x00tracking\x00"
DIGEST_WORKING_DAYS = 5
ESCALATION_LIST_LIMIT = 200  # tracking numbers listed in an officer's escalation e-mail
TEMPLATES = "grievances/messages/"

# Steps the complainant is told of; each has <kind>_sms.txt, _email_subject.txt, _email.txt.
COMPLAINANT_KINDS = frozenset(
    {
        Kind.SUBMITTED,
        Kind.INFORMATION_REQUESTED,
        Kind.FORWARDED,
        Kind.DISPOSED,
        Kind.ESCALATED,
        Kind.APPEALED,
        Kind.CLOSED,
    }
)
# Steps that bring a case to an officer, and the officer's message for each.
OFFICER_MESSAGES = {
    Kind.SUBMITTED: "officer_new_case",
    Kind.ESCALATED: "officer_case_came_to_you",
    Kind.APPEALED: "officer_case_came_to_you",
    Kind.FORWARDED: "officer_case_came_to_you",
}


def _track_url() -> str:
    return settings.SITE_URL.rstrip("/") + reverse("grievances:track")


def _admin_url(grievance_id: int) -> str:
    return settings.SITE_URL.rstrip("/") + reverse(
        "admin:grievances_grievance_change", args=[grievance_id]
    )


def _render(name: str, context: dict) -> str:
    """A message text in the active language, without the template's surrounding blank lines."""
    return render_to_string(TEMPLATES + name, context).strip()


def _render_subject(name: str, context: dict) -> str:
    """An e-mail subject: one line, whatever the template or the translation holds."""
    return " ".join(_render(name, context).split())


def _complainant_text(
    kind: str, *, tracking_number: str, tier: int, deadline: datetime.date, note: str = ""
) -> tuple[str, str, str] | None:
    """(SMS, e-mail subject, e-mail body) in the active language, or None if nothing to tell."""
    if kind not in COMPLAINANT_KINDS:
        return None
    from .workflow import APPEAL_WINDOW_DAYS  # workflow imports this module

    context = {
        "tracking": tracking_number,
        "deadline": deadline,
        "tier": GrsTier.Level(tier).label,
        "url": _track_url(),
        "note": note,
        "appeal_days": APPEAL_WINDOW_DAYS,
    }
    return (
        _render(f"{kind}_sms.txt", context),
        _render_subject(f"{kind}_email_subject.txt", context),
        _render(f"{kind}_email.txt", context),
    )


def _officer_text(kind: str, *, tracking_number: str, tier: int, deadline, grievance_id):
    """(e-mail subject, e-mail body) in the active language, or None if nothing to tell."""
    name = OFFICER_MESSAGES.get(kind)
    if name is None:
        return None
    context = {
        "tracking": tracking_number,
        "deadline": deadline,
        "tier": GrsTier.Level(tier).label,
        "url": _admin_url(grievance_id),
    }
    return (
        _render_subject(f"{name}_email_subject.txt", context),
        _render(f"{name}_email.txt", context),
    )


def _message(channel, recipient, *, grievance_id, now, subject="", body="", dedup_key=None):
    return OutboxMessage(
        grievance_id=grievance_id,
        channel=channel,
        recipient=recipient,
        subject=subject[:200],
        body=body,
        created_at=now,
        next_attempt_at=now,
        dedup_key=dedup_key,
    )


def _complainant_messages(
    *, grievance_id, tracking_number, is_anonymous, mobile, email, texts, now
) -> list[OutboxMessage]:
    if is_anonymous or texts is None:
        return []  # anonymous complaints get no follow-up (guideline)
    sms_text, subject, body = (
        text.replace(TRACKING_PLACEHOLDER, tracking_number) for text in texts
    )
    messages = []
    if mobile:
        messages.append(
            _message(
                OutboxMessage.Channel.SMS, mobile, grievance_id=grievance_id, now=now, body=sms_text
            )
        )
    if email:
        messages.append(
            _message(
                OutboxMessage.Channel.EMAIL,
                email,
                grievance_id=grievance_id,
                now=now,
                subject=subject,
                body=body,
            )
        )
    return messages


def _receipt_sms_capped(grievance: Grievance, entry: TimelineEntry, *, now) -> bool:
    """Whether this receipt SMS would go over ``GRS_RATE_LIMITS["receipt_sms_mobile"]``.

    Anyone can file with someone else's mobile number: past N complaints with one number in
    the window before this one, the number gets no receipt SMS (the complaint is stored and
    its on-screen receipt and e-mail are unchanged). Counted in the database, so every
    process agrees and a lost cache changes nothing; each of those complaints got at most
    one receipt SMS, so no window holds more than N.
    """
    if entry.kind != Kind.SUBMITTED or grievance.is_anonymous or not grievance.mobile:
        return False
    limit, window = settings.GRS_RATE_LIMITS["receipt_sms_mobile"]
    earlier = (
        Grievance.objects.filter(
            mobile=grievance.mobile,
            received_at__gt=now - datetime.timedelta(seconds=window),
            received_at__lte=now,
        )
        .exclude(pk=grievance.pk)
        .count()
    )
    if earlier < limit:
        return False
    logger.info(
        "No receipt SMS for %s: %s complaints with its mobile number in %s s",
        grievance.tracking_number,
        earlier,
        window,
    )
    return True


def queue_for_step(grievance: Grievance, entry: TimelineEntry, *, now) -> list[OutboxMessage]:
    """Queue what a step tells the complainant and, if it reaches a new officer, that officer."""
    with translation.override(grievance.language):
        note = entry.public_note
        if entry.kind == Kind.FORWARDED:
            # The office it went to, named in the complainant's language (the note holds
            # the name in the language of whoever forwarded it).
            note = str(grievance.office)
        texts = _complainant_text(
            entry.kind,
            tracking_number=grievance.tracking_number,
            tier=grievance.tier,
            deadline=grievance.deadline,
            note=note,
        )
    messages = _complainant_messages(
        grievance_id=grievance.pk,
        tracking_number=grievance.tracking_number,
        is_anonymous=grievance.is_anonymous,
        mobile="" if _receipt_sms_capped(grievance, entry, now=now) else grievance.mobile,
        email=grievance.email,
        texts=texts,
        now=now,
    )
    officer = grievance.handling_officer
    if officer is not None and officer.email:
        with translation.override(settings.LANGUAGE_CODE):
            officer_texts = _officer_text(
                entry.kind,
                tracking_number=grievance.tracking_number,
                tier=grievance.tier,
                deadline=grievance.deadline,
                grievance_id=grievance.pk,
            )
        if officer_texts:
            subject, body = officer_texts
            messages.append(
                _message(
                    OutboxMessage.Channel.EMAIL,
                    officer.email,
                    grievance_id=grievance.pk,
                    now=now,
                    subject=subject,
                    body=body,
                )
            )
    created = OutboxMessage.objects.bulk_create(messages)
    dispatch_after_commit([message.pk for message in created])
    return created


def queue_escalations(moved, *, now, batch_size: int = 2000) -> int:
    """Bulk-queue the messages of an escalation sweep: each complainant, and one e-mail per
    officer listing the cases that came to them."""
    messages = []
    texts_cache = {}
    for upper, deadline, rows in moved:
        for row in rows:
            key = (row.language, upper.level, deadline)
            if key not in texts_cache:
                with translation.override(row.language):
                    texts_cache[key] = _complainant_text(
                        Kind.ESCALATED,
                        tracking_number=TRACKING_PLACEHOLDER,
                        tier=upper.level,
                        deadline=deadline,
                    )
            messages.extend(
                _complainant_messages(
                    grievance_id=row.pk,
                    tracking_number=row.tracking_number,
                    is_anonymous=row.is_anonymous,
                    mobile=row.mobile,
                    email=row.email,
                    texts=texts_cache[key],
                    now=now,
                )
            )
        if upper.officer is not None and upper.officer.email:
            with translation.override(settings.LANGUAGE_CODE):
                subject = _render_subject("officer_escalated_batch_email_subject.txt", {})
                body = _render(
                    "officer_escalated_batch_email.txt",
                    {
                        "total": len(rows),
                        "tier": GrsTier.Level(upper.level).label,
                        "deadline": deadline,
                        "listed": [row.tracking_number for row in rows[:ESCALATION_LIST_LIMIT]],
                        "more": len(rows) - ESCALATION_LIST_LIMIT,
                    },
                )
            messages.append(
                _message(
                    OutboxMessage.Channel.EMAIL,
                    upper.officer.email,
                    grievance_id=None,
                    now=now,
                    subject=subject,
                    body=body,
                )
            )
    OutboxMessage.objects.bulk_create(messages, batch_size=batch_size)
    if messages:
        # A sweep can move 100,000 cases: one task sends them all, not one task each.
        from . import tasks

        transaction.on_commit(lambda: tasks.send_due_messages.delay(), robust=True)
    return len(messages)


def queue_officer_digests(*, today: datetime.date, now=None) -> int:
    """One e-mail a day to each officer with open cases due within 5 working days."""
    now = now or timezone.now()
    due_by = calendar.add_working_days(today, DIGEST_WORKING_DAYS)
    cases = (
        Grievance.objects.due_by(due_by)
        .filter(handling_officer__isnull=False)
        .order_by("handling_officer_id", "deadline", "pk")
        .values_list("handling_officer_id", "tracking_number", "deadline", "tier")
    )
    by_officer: dict[int, list] = {}
    for officer_id, tracking_number, deadline, tier in cases:
        by_officer.setdefault(officer_id, []).append((tracking_number, deadline, tier))
    officers = Officer.objects.in_bulk(list(by_officer))
    queued = 0
    with translation.override(settings.LANGUAGE_CODE):
        for officer_id, rows in by_officer.items():
            officer = officers[officer_id]
            if not officer.email:
                continue
            context = {
                "days": DIGEST_WORKING_DAYS,
                "total": len(rows),
                "cases": [
                    {"tracking_number": number, "deadline": deadline, "overdue": deadline < today}
                    for number, deadline, _tier in rows
                ],
            }
            message = _message(
                OutboxMessage.Channel.EMAIL,
                officer.email,
                grievance_id=None,
                now=now,
                subject=_render_subject("officer_digest_email_subject.txt", context),
                body=_render("officer_digest_email.txt", context),
                dedup_key=f"digest:{officer_id}:{today.isoformat()}",
            )
            try:
                with transaction.atomic():
                    message.save()
                queued += 1
                dispatch_after_commit([message.pk])
            except IntegrityError:
                pass  # already queued today
    return queued


def dispatch_after_commit(message_ids) -> None:
    """Hand the messages to the worker once the transaction that queued them commits.

    A task that is lost (broker down, worker killed) costs only time: the outbox sweep
    (``send_due``, every minute) sends whatever is still due.
    """
    message_ids = [message_id for message_id in message_ids if message_id is not None]
    if not message_ids:
        return
    from . import tasks

    transaction.on_commit(lambda: tasks.send_messages.delay(message_ids), robust=True)


def _deliver(message: OutboxMessage) -> None:
    """Hand one message to its gateway, with the outbox id as its idempotency key."""
    key = f"outbox-{message.pk}"
    if message.channel == OutboxMessage.Channel.SMS:
        sms.get_backend().send(
            sms.SmsMessage(to=sms.to_international(message.recipient), body=message.body, id=key)
        )
    else:
        domain = settings.DEFAULT_FROM_EMAIL.rpartition("@")[2] or "localhost"
        EmailMessage(
            message.subject,
            message.body,
            None,
            [message.recipient],
            headers={"Message-ID": f"<{key}@{domain}>"},
        ).send()


def _claim(queryset) -> OutboxMessage | None:
    if connection.features.has_select_for_update_skip_locked:
        queryset = queryset.select_for_update(skip_locked=True)
    return queryset.first()


def _send_claimed(message: OutboxMessage, *, now) -> bool:
    """Send a message claimed under its row lock and record the outcome; True if sent.

    The gateway call and its record share one transaction. A worker that dies after the
    gateway accepted a message but before the commit leaves it pending, and the next
    attempt sends it again with the same idempotency key (``outbox-<id>``): a gateway
    that honours the key drops the repeat. That window, as long as one gateway call, is
    the only at-least-once window; e-mail carries a fixed Message-ID for the same reason.
    """
    message.attempts += 1
    try:
        _deliver(message)
    except Exception as error:  # any backend failure: keep the message, retry later
        message.last_error = f"{error.__class__.__name__}: {error}"[:500]
        if message.attempts >= settings.GRS_OUTBOX_MAX_ATTEMPTS:
            message.status = OutboxMessage.Status.FAILED
        else:
            backoff = datetime.timedelta(minutes=5 * 2 ** (message.attempts - 1))
            message.next_attempt_at = now + backoff
        logger.warning("Outbox message %s failed (attempt %s)", message.pk, message.attempts)
        sent = False
    else:
        message.status = OutboxMessage.Status.SENT
        message.sent_at = now
        message.last_error = ""
        sent = True
    message.save(update_fields=["attempts", "status", "next_attempt_at", "sent_at", "last_error"])
    return sent


def send_message(message_id: int, *, now=None) -> bool:
    """Send one queued message if it is still due: the worker's task after a step commits.

    False when there is nothing to do: already sent, failed for good, waiting for its
    retry time, or being sent by another worker right now.
    """
    now = now or timezone.now()
    with transaction.atomic():
        message = _claim(OutboxMessage.objects.due(now).filter(pk=message_id))
        if message is None:
            return False
        return _send_claimed(message, now=now)


def send_due(*, now=None, limit: int = 500) -> tuple[int, int]:
    """Send due messages; a failure waits longer before each retry, up to the attempt limit.

    Returns (sent, failed attempts). Each message is claimed, sent and recorded in its own
    short transaction, so a run that dies part-way re-sends at most the message it was on,
    and two runs at once share the work (PostgreSQL: locked rows are skipped).
    """
    now = now or timezone.now()
    sent = failed = 0
    for _attempt in range(limit):
        with transaction.atomic():
            message = _claim(OutboxMessage.objects.due(now).order_by("next_attempt_at", "pk"))
            if message is None:
                break
            if _send_claimed(message, now=now):
                sent += 1
            else:
                failed += 1
    return sent, failed
