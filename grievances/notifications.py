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
from django.db.models import OuterRef, Subquery
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from core.templatetags.local_format import digits
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
        Kind.INFORMATION_RECEIVED,
        Kind.FORWARDED,
        Kind.HEARING_SCHEDULED,
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
    # Only when the complainant answered on the case page (staff entering a paper reply
    # know already).
    Kind.INFORMATION_RECEIVED: "officer_information_received",
}
# A case that reaches tier 3 is not handed to anyone: the complainant is told how to take it
# to the Cabinet Division's cell (grs.gov.bd), the office's GRO and appeal officer are told,
# and the cell gets the case summary by e-mail when GRS_CABINET_CELL_EMAIL is set.
CELL_REFERRAL = "cell_referral"
CELL_SUMMARY_KEY = "cell-summary:"  # dedup_key prefix of the e-mail to the cell
# One reminder before the reply deadline of a request for information, in the office's day.
REMINDER_WORKING_DAYS_BEFORE = 2
REMINDER_HOURS = range(9, 18)


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
    kind: str,
    *,
    tracking_number: str,
    tier: int,
    deadline: datetime.date,
    note: str = "",
    hearing=None,
    reply_due: datetime.date | None = None,
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
        "hearing": hearing,  # the notice of a scheduled hearing
        "reply_due": reply_due,  # the reply deadline of a request for information
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
    *, grievance_id, tracking_number, is_anonymous, mobile, email, texts, now, dedup=None
) -> list[OutboxMessage]:
    """The SMS and e-mail of one step to the complainant; ``dedup`` (a decision's
    ``decision_message_keys`` prefix, a reminder's) makes them findable and unique."""
    if is_anonymous or texts is None:
        return []  # anonymous complaints get no follow-up (guideline)
    sms_text, subject, body = (
        text.replace(TRACKING_PLACEHOLDER, tracking_number) for text in texts
    )
    messages = []
    if mobile:
        messages.append(
            _message(
                OutboxMessage.Channel.SMS,
                mobile,
                grievance_id=grievance_id,
                now=now,
                body=sms_text,
                dedup_key=f"{dedup}:sms" if dedup else None,
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
                dedup_key=f"{dedup}:email" if dedup else None,
            )
        )
    return messages


def decision_message_keys(entry_id: int) -> list[str]:
    """The ``dedup_key`` of the SMS and e-mail telling the complainant of the decision
    recorded by timeline entry ``entry_id`` (``workflow.check_decision_notices``)."""
    return [f"decision:{entry_id}:sms", f"decision:{entry_id}:email"]


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
    """Queue what a step tells the complainant and, if it reaches a new officer, that officer.

    A step that takes the case to tier 3 (escalation or appeal to the Cabinet Division's
    cell) queues ``cell_referral_messages`` instead: nobody in this system receives it."""
    if entry.to_status == Grievance.Status.CABINET_CELL and entry.kind in (
        Kind.ESCALATED,
        Kind.APPEALED,
    ):
        created = OutboxMessage.objects.bulk_create(
            cell_referral_messages(
                grievance.office, [grievance], now=now, appealed=entry.kind == Kind.APPEALED
            )
        )
        dispatch_after_commit([message.pk for message in created])
        return created
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
            hearing=getattr(entry, "scheduled_hearing", None)
            if entry.kind == Kind.HEARING_SCHEDULED
            else None,
            reply_due=grievance.information_due,
        )
    messages = _complainant_messages(
        grievance_id=grievance.pk,
        tracking_number=grievance.tracking_number,
        is_anonymous=grievance.is_anonymous,
        mobile="" if _receipt_sms_capped(grievance, entry, now=now) else grievance.mobile,
        email=grievance.email,
        texts=texts,
        now=now,
        # A decision's messages are found again by the 7-working-day check.
        dedup=f"decision:{entry.pk}" if entry.kind == Kind.DISPOSED else None,
    )
    officer = grievance.handling_officer
    entered_by_staff = entry.kind == Kind.INFORMATION_RECEIVED and entry.actor_id is not None
    if officer is not None and officer.email and not entered_by_staff:
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
        transaction.on_commit(lambda: _hand_to_worker("send_due_messages"))
    return len(messages)


def _cell_contact(office) -> tuple[str, list[str], int | None]:
    """The cell as the charter's tier-3 row names it, in the active language: (whom to
    contact, the lines of its contact address, its time limit in working days)."""
    from .workflow import tier_row  # workflow imports this module

    row = tier_row(office=office, level=GrsTier.Level.CABINET_CELL)
    if row is None:
        return str(GrsTier.Level.CABINET_CELL.label), [], None
    lines = [line.strip() for line in row.contact_address.splitlines() if line.strip()]
    return row.contact_role, lines, row.time_limit_working_days


def cell_referral_messages(office, rows, *, now, appealed: bool = False) -> list[OutboxMessage]:
    """What a move to tier 3 queues, for ``rows`` (cases, or the sweep's rows) of ``office``.

    - Each complainant: the case is for the Cabinet Division's cell, which this office
      cannot file it with; how to take it there (grs.gov.bd, or the cell's address from the
      charter's tier-3 row) with the case summary from the tracking page. Never "sent".
    - The office's GRO and appeal officer: one e-mail listing the cases.
    - The cell, when ``GRS_CABINET_CELL_EMAIL`` is set: each case's summary (attached when
      the e-mail goes out, ``_deliver``), for its information; the timeline records it once
      it has gone (``_send_claimed``).
    """
    from .workflow import WorkflowError, tier_info  # workflow imports this module

    messages = []
    texts = {}
    for row in rows:
        if row.is_anonymous:
            continue
        if row.language not in texts:
            with translation.override(row.language):
                cell, lines, days = _cell_contact(office)
                context = {
                    "tracking": TRACKING_PLACEHOLDER,
                    "appealed": appealed,
                    "cell": cell,
                    "address": "\n".join(lines),
                    "address_line": ", ".join(lines),
                    "cell_days": days,
                    "url": _track_url(),
                }
                texts[row.language] = (
                    _render(f"{CELL_REFERRAL}_sms.txt", context),
                    _render_subject(f"{CELL_REFERRAL}_email_subject.txt", context),
                    _render(f"{CELL_REFERRAL}_email.txt", context),
                )
        messages.extend(
            _complainant_messages(
                grievance_id=row.pk,
                tracking_number=row.tracking_number,
                is_anonymous=row.is_anonymous,
                mobile=row.mobile,
                email=row.email,
                texts=texts[row.language],
                now=now,
            )
        )
    if not rows:
        return messages
    cell_email = settings.GRS_CABINET_CELL_EMAIL
    officers = []
    for level in (GrsTier.Level.GRO, GrsTier.Level.APPEAL):
        try:
            officer = tier_info(office=office, level=level).officer
        except WorkflowError:
            continue
        if officer is not None and officer.email and officer.email not in officers:
            officers.append(officer.email)
    if officers:
        with translation.override(settings.LANGUAGE_CODE):
            context = {
                "total": len(rows),
                "appealed": appealed,
                "listed": [row.tracking_number for row in rows[:ESCALATION_LIST_LIMIT]],
                "more": len(rows) - ESCALATION_LIST_LIMIT,
                "cell_email": cell_email,
                "url": settings.SITE_URL.rstrip("/")
                + reverse("admin:grievances_grievance_changelist")
                + f"?status__exact={Grievance.Status.CABINET_CELL}",
            }
            subject = _render_subject("officer_cell_referral_email_subject.txt", context)
            body = _render("officer_cell_referral_email.txt", context)
        single = rows[0].pk if len(rows) == 1 else None
        messages.extend(
            _message(
                OutboxMessage.Channel.EMAIL,
                address,
                grievance_id=single,
                now=now,
                subject=subject,
                body=body,
            )
            for address in officers
        )
    if cell_email:
        # The cell reads Bangla, whatever the site's or the complainant's language.
        with translation.override("bn"):
            office_name = str(office)
            for row in rows:
                context = {"tracking": row.tracking_number, "office": office_name}
                messages.append(
                    _message(
                        OutboxMessage.Channel.EMAIL,
                        cell_email,
                        grievance_id=row.pk,
                        now=now,
                        subject=_render_subject("cell_summary_email_subject.txt", context),
                        body=_render("cell_summary_email.txt", context),
                        dedup_key=f"{CELL_SUMMARY_KEY}{row.pk}",
                    )
                )
    return messages


def queue_cell_referrals(referred, *, now, batch_size: int = 2000) -> int:
    """The sweep's moves to tier 3: ``referred`` is [(office, rows)]; see
    ``cell_referral_messages``."""
    messages = []
    for office, rows in referred:
        messages.extend(cell_referral_messages(office, rows, now=now))
    OutboxMessage.objects.bulk_create(messages, batch_size=batch_size)
    if messages:
        transaction.on_commit(lambda: _hand_to_worker("send_due_messages"))
    return len(messages)


def queue_information_reminders(*, today: datetime.date, now=None) -> int:
    """One reminder to each complainant whose answer to a request for information is due
    within ``REMINDER_WORKING_DAYS_BEFORE`` working days (and was not asked today), sent by
    the hourly sweep during the office's day (unless ``now`` is given, for a run as of
    another day). Idempotent: the outbox's ``dedup_key`` holds one reminder per request."""
    if now is None:
        now = timezone.now()
        if timezone.localtime(now).hour not in REMINDER_HOURS:
            return 0
    asked = Subquery(
        TimelineEntry.objects.filter(grievance=OuterRef("pk"), kind=Kind.INFORMATION_REQUESTED)
        .order_by("-created_at", "-pk")
        .values("pk")[:1]
    )
    waiting = list(
        Grievance.objects.filter(
            status=Grievance.Status.AWAITING_INFORMATION,
            information_due__gte=today,
            paused_on__lt=today,
            is_anonymous=False,
        )
        .annotate(asked=asked)
        .order_by("pk")
        .values("pk", "asked", "tracking_number", "mobile", "email", "language", "information_due")
    )
    if not waiting:
        return 0
    working = calendar.calendar_for(today, max(row["information_due"] for row in waiting))
    queued = 0
    for row in waiting:
        if working.working_days_between(today, row["information_due"]) > (
            REMINDER_WORKING_DAYS_BEFORE
        ):
            continue
        with translation.override(row["language"]):
            context = {
                "tracking": row["tracking_number"],
                "reply_due": row["information_due"],
                "url": _track_url(),
            }
            texts = (
                _render("information_reminder_sms.txt", context),
                _render_subject("information_reminder_email_subject.txt", context),
                _render("information_reminder_email.txt", context),
            )
        for message in _complainant_messages(
            grievance_id=row["pk"],
            tracking_number=row["tracking_number"],
            is_anonymous=False,
            mobile=row["mobile"],
            email=row["email"],
            texts=texts,
            now=now,
            dedup=f"info-reminder:{row['asked']}",
        ):
            try:
                with transaction.atomic():
                    message.save()
            except IntegrityError:
                continue  # already reminded of this request
            queued += 1
            dispatch_after_commit([message.pk])
    return queued


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
    (``send_due``, every 15 seconds) sends whatever is still due.
    """
    message_ids = [message_id for message_id in message_ids if message_id is not None]
    if message_ids:
        transaction.on_commit(lambda: _hand_to_worker("send_messages", message_ids))


def _hand_to_worker(task_name: str, *args) -> None:
    """Publish a task; with the broker down, say so in one line and leave it to the sweep."""
    from . import tasks

    try:
        getattr(tasks, task_name).delay(*args)
    except Exception as error:  # kombu, redis and socket errors alike: the outbox keeps them
        logger.warning(
            "Could not hand %s to the worker (%s); the outbox sweep will send them",
            task_name,
            error.__class__.__name__,
        )


def _deliver(message: OutboxMessage) -> None:
    """Hand one message to its gateway, with the outbox id as its idempotency key."""
    key = f"outbox-{message.pk}"
    if message.channel == OutboxMessage.Channel.SMS:
        sms.get_backend().send(
            sms.SmsMessage(to=sms.to_international(message.recipient), body=message.body, id=key)
        )
    else:
        domain = settings.DEFAULT_FROM_EMAIL.rpartition("@")[2] or "localhost"
        email = EmailMessage(
            message.subject,
            message.body,
            None,
            [message.recipient],
            headers={"Message-ID": f"<{key}@{domain}>"},
        )
        if _is_cell_summary(message):
            # The case summary as it stands when the e-mail goes out: one self-contained
            # HTML file (A4, Bangla, QR code), the same the complainant downloads.
            from .summary import summary_file

            email.attach(*summary_file(message.grievance_id))
        email.send()


def _is_cell_summary(message: OutboxMessage) -> bool:
    return bool(message.grievance_id and (message.dedup_key or "").startswith(CELL_SUMMARY_KEY))


def _after_delivery(message: OutboxMessage, *, now) -> None:
    """What a message's fate means for its case: the cell's summary went out (the timeline
    says so); a message to the complainant failed for good (the case goes on the GRO's
    "complainant not informed" list)."""
    from . import workflow  # workflow imports this module

    if message.status == OutboxMessage.Status.SENT and _is_cell_summary(message):
        workflow.record_cell_summary_emailed(
            grievance_id=message.grievance_id, recipient=message.recipient, now=now
        )
    if message.status != OutboxMessage.Status.FAILED or not message.grievance_id:
        return
    complainant = (
        Grievance.objects.filter(pk=message.grievance_id).values_list("mobile", "email").first()
    )
    if complainant is None or message.recipient not in {a for a in complainant if a}:
        return  # an officer's or the cell's e-mail: the outbox admin shows it
    with translation.override(settings.LANGUAGE_CODE):
        reason = _(
            "The %(channel)s to the complainant could not be delivered after %(attempts)s "
            "attempts (%(error)s)."
        ) % {
            "channel": message.get_channel_display(),
            "attempts": digits(message.attempts),
            "error": message.last_error,
        }
        workflow.flag_complainant_not_informed(
            grievance_id=message.grievance_id, reason=str(reason), now=now
        )


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
            # 1, 3, 9, 27, 81, 243, 729 minutes (bench/RESULTS.md, "Messages in seconds"): a
            # short gateway outage costs a minute or three after it ends, and the default
            # 8 attempts still span 18 hours, so an outage overnight loses no receipt.
            backoff = datetime.timedelta(minutes=3 ** (message.attempts - 1))
            message.next_attempt_at = now + backoff
        logger.warning("Outbox message %s failed (attempt %s)", message.pk, message.attempts)
        sent = False
    else:
        message.status = OutboxMessage.Status.SENT
        message.sent_at = now
        message.last_error = ""
        sent = True
    message.save(update_fields=["attempts", "status", "next_attempt_at", "sent_at", "last_error"])
    _after_delivery(message, now=now)
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
