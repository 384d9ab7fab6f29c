"""Every change to a complaint: one typed, keyword-only function per step of the GRS.

Views, admin actions, management commands and tests all call these. Each step checks the
case's state, changes it, writes a timeline entry (who, when, from which state to which,
the note) and queues the messages the step calls for, in one transaction.
"""

import datetime
import logging
import secrets
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from django.db import IntegrityError, connection, transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.templatetags.local_format import digits, local_date
from services.models import GrsTier, Office, Officer, Service

from . import calendar, eligibility, notifications
from .attachments import CleanAttachment
from .models import Attachment, Grievance, Rating, TimelineEntry, private_storage

logger = logging.getLogger(__name__)

Status = Grievance.Status
Kind = TimelineEntry.Kind

MAX_ATTACHMENTS = 3
# Guideline §7.4.1: an investigation extends the GRO's limit by 10 working days, once.
INVESTIGATION_EXTENSION_WORKING_DAYS = 10
# Guideline §8: a complainant may appeal within 30 days of the disposal.
APPEAL_WINDOW_DAYS = 30
TRACKING_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"  # no 0/O, 1/I/L: read out on the phone
TRACKING_CODE_LENGTH = 6


class WorkflowError(Exception):
    """A step the case's state does not allow; ``message`` is for the person who tried it."""

    def __init__(self, message):
        self.message = message
        super().__init__(str(message))


class IneligibleComplaint(WorkflowError):
    """A complaint the guideline does not let the office receive (yet).

    ``field`` names the complaint form field the ``message`` is about, so that a form can show
    it there; ``code`` is the form error's code.
    """

    def __init__(self, *, field: str, message, code: str = "ineligible"):
        self.field = field
        self.code = code
        super().__init__(message)


@dataclass(frozen=True)
class TierInfo:
    level: int
    officer: Officer | None
    working_days: int


def tier_info(*, office: Office, level: int) -> TierInfo:
    """Who handles ``level`` for ``office`` and in how many working days: the charter's GRS table.

    An office without a charter of its own uses the nearest parent office's table.
    """
    current = office
    while current is not None:
        tier = (
            GrsTier.objects.filter(charter__office=current, level=level)
            .select_related("officer")
            .first()
        )
        if tier is not None:
            return TierInfo(level, tier.officer, tier.time_limit_working_days)
        current = current.parent
    raise WorkflowError(
        _("The charter of %(office)s has no grievance redress tier %(level)s.")
        % {"office": office, "level": digits(level)}
    )


def new_tracking_number(*, year: int) -> str:
    code = "".join(secrets.choice(TRACKING_ALPHABET) for _ in range(TRACKING_CODE_LENGTH))
    return f"GRS-{year}-{code}"


def _now(now: datetime.datetime | None) -> datetime.datetime:
    return now or timezone.now()


def _actor_label(actor) -> str:
    if actor is None:
        return ""
    return actor.get_full_name() or actor.get_username()


def _locked(grievance: Grievance) -> Grievance:
    """The case re-read under a row lock, so two officers cannot make conflicting moves."""
    return Grievance.objects.select_for_update().get(pk=grievance.pk)


def _status_refusal(grievance: Grievance) -> str:
    return _("This step is not possible while the complaint is “%(status)s”.") % {
        "status": grievance.get_status_display()
    }


def _refuse_unless(grievance: Grievance, allowed: Sequence[str]) -> None:
    """For the system's own step (escalation); people's steps ask ``available_steps``."""
    if grievance.status not in allowed:
        raise WorkflowError(_status_refusal(grievance))


class Step(StrEnum):
    """A step a person takes on a case; ``available_steps`` says which ones a case allows."""

    # The handling officer's (in admin).
    START = "start"
    REQUEST_INFORMATION = "request_information"
    RECEIVE_INFORMATION = "receive_information"
    RECORD_HEARING = "record_hearing"
    ORDER_INVESTIGATION = "order_investigation"
    FORWARD = "forward"
    DISPOSE = "dispose"
    CLOSE = "close"
    # The complainant's (on the case page).
    APPEAL = "appeal"
    RATE = "rate"


STAFF_STEPS = frozenset(
    {
        Step.START,
        Step.REQUEST_INFORMATION,
        Step.RECEIVE_INFORMATION,
        Step.RECORD_HEARING,
        Step.ORDER_INVESTIGATION,
        Step.FORWARD,
        Step.DISPOSE,
        Step.CLOSE,
    }
)
COMPLAINANT_STEPS = frozenset({Step.APPEAL, Step.RATE})


def appeal_deadline(grievance: Grievance) -> datetime.date | None:
    """The last day the complainant may appeal a disposal, or None if there is nothing to appeal."""
    if grievance.status != Status.DISPOSED or grievance.tier >= GrsTier.Level.CABINET_CELL:
        return None
    disposed_on = timezone.localdate(grievance.disposed_at)
    return disposed_on + datetime.timedelta(days=APPEAL_WINDOW_DAYS)


def available_steps(grievance: Grievance, *, today: datetime.date) -> frozenset[Step]:
    """The steps ``grievance`` allows on ``today``: the one place that says so.

    Each step function below refuses a step not in this set; admin offers only these
    buttons and the complainant's case page only these forms. (Escalation is the nightly
    sweep's, not a person's, step.) Costs one query for a disposed or closed case.
    """
    status = grievance.status
    steps: set[Step] = set()
    if status in Grievance.OPEN_STATUSES:
        steps |= {Step.RECORD_HEARING, Step.FORWARD, Step.DISPOSE}
        if status in (Status.RECEIVED, Status.FORWARDED):
            steps.add(Step.START)
        if status == Status.AWAITING_INFORMATION:
            steps.add(Step.RECEIVE_INFORMATION)
        elif not grievance.is_anonymous:  # nobody to ask
            steps.add(Step.REQUEST_INFORMATION)
        # §7.4.1: only the GRO's time limit, and only once.
        if grievance.tier == GrsTier.Level.GRO and not grievance.investigation_ordered:
            steps.add(Step.ORDER_INVESTIGATION)
        return frozenset(steps)
    if status not in (Status.DISPOSED, Status.CLOSED):
        return frozenset()
    ratings = set(
        Rating.objects.filter(grievance=grievance, tier=grievance.tier).values_list(
            "satisfied", flat=True
        )
    )
    if not ratings:  # one rating per decision
        steps.add(Step.RATE)
    if status == Status.DISPOSED:
        # §8: an appeal within 30 days of the disposal, to a higher tier, by a known person.
        last_day = appeal_deadline(grievance)
        may_appeal = last_day is not None and today <= last_day and not grievance.is_anonymous
        if may_appeal:
            steps.add(Step.APPEAL)
        # Closed once the appeal period is over or the complainant is satisfied.
        if not may_appeal or True in ratings:
            steps.add(Step.CLOSE)
    return frozenset(steps)


def why_unavailable(grievance: Grievance, step: Step) -> str:
    """What to tell the person who tried ``step`` when it is not in ``available_steps``."""
    status = grievance.status
    if status in Grievance.OPEN_STATUSES:
        if step == Step.REQUEST_INFORMATION and grievance.is_anonymous:
            return _("An anonymous complainant cannot be asked for information.")
        if step == Step.ORDER_INVESTIGATION and grievance.tier != GrsTier.Level.GRO:
            return _("Only the GRO's time limit can be extended by an investigation.")
        if step == Step.ORDER_INVESTIGATION and grievance.investigation_ordered:
            return _("An investigation has already been ordered for this complaint.")
    if status == Status.DISPOSED:
        if step == Step.APPEAL and grievance.tier >= GrsTier.Level.CABINET_CELL:
            return _("There is no higher tier to appeal to.")
        if step == Step.APPEAL and grievance.is_anonymous:
            return _("An anonymous complaint cannot be appealed.")
        if step == Step.APPEAL:
            return _("An appeal must be made within %(days)s days of the decision.") % {
                "days": APPEAL_WINDOW_DAYS
            }
        if step == Step.CLOSE:
            return _(
                "The complainant may still appeal this decision until %(date)s; close the "
                "case after that, or once the complainant says they are satisfied."
            ) % {"date": local_date(appeal_deadline(grievance))}
    if status in (Status.DISPOSED, Status.CLOSED) and step == Step.RATE:
        return _("This decision has already been rated.")
    return _status_refusal(grievance)


def _refuse_unless_available(grievance: Grievance, step: Step, *, now) -> None:
    today = timezone.localdate(now)
    if step not in available_steps(grievance, today=today):
        raise WorkflowError(why_unavailable(grievance, step))


def _record(
    grievance: Grievance,
    *,
    kind: str,
    from_status: str,
    from_tier: int | None,
    now: datetime.datetime,
    actor=None,
    actor_label: str = "",
    public_note: str = "",
    internal_note: str = "",
) -> TimelineEntry:
    return TimelineEntry.objects.create(
        grievance=grievance,
        created_at=now,
        kind=kind,
        actor=actor,
        actor_label=actor_label or _actor_label(actor),
        from_status=from_status,
        to_status=grievance.status,
        from_tier=from_tier,
        to_tier=grievance.tier,
        public_note=public_note,
        internal_note=internal_note,
    )


class DuplicateSubmission(Exception):  # noqa: N818 (a signal, not an error)
    """The same form was sent again; ``grievance`` is the complaint it already filed."""

    def __init__(self, grievance: Grievance):
        self.grievance = grievance
        super().__init__(grievance.tracking_number)


def _save_with_unique_tracking_number(grievance: Grievance, *, year: int) -> None:
    for _attempt in range(10):
        grievance.tracking_number = new_tracking_number(year=year)
        try:
            with transaction.atomic():  # a savepoint: a collision leaves the outer work intact
                grievance.save(force_insert=True)
            return
        except IntegrityError:
            token = grievance.submission_token
            first = token and Grievance.objects.filter(submission_token=token).first()
            if first:  # the same form, sent twice at once: the other request filed it
                raise DuplicateSubmission(first) from None
            if not Grievance.objects.filter(tracking_number=grievance.tracking_number).exists():
                raise
            grievance.pk = None
    raise WorkflowError(_("Could not issue a tracking number. Please try again."))


def _store_attachments(grievance: Grievance, attachments, *, now, stored: list[str]) -> None:
    """Write each file and its row; ``stored`` collects the file names for cleanup."""
    for upload in attachments:
        attachment = Attachment(
            grievance=grievance,
            original_name=upload.original_name[:200],
            content_type=upload.content_type,
            size=len(upload.data),
            uploaded_at=now,
        )
        try:
            attachment.file.save(upload.storage_name, upload.as_file(), save=False)
        except OSError as error:
            raise WorkflowError(
                _(
                    "The attachments could not be stored, so the complaint was not saved. "
                    "Please try again."
                )
            ) from error
        stored.append(attachment.file.name)
        attachment.save()


def _remove_files(names: Sequence[str]) -> None:
    for name in names:
        try:
            private_storage.delete(name)
        except OSError:
            pass  # best effort: a file without a row is never served


def submit(
    *,
    office: Office,
    complaint_type: str,
    subject: str,
    description: str,
    is_anonymous: bool = False,
    name: str = "",
    id_type: str = "",
    id_number: str = "",
    permanent_address: str = "",
    present_address: str = "",
    mobile: str = "",
    email: str = "",
    service: Service | None = None,
    other_service: str = "",
    service_applied_on: datetime.date | None = None,
    service_tracking_number: str = "",
    office_has_decided: bool = False,
    attachments: Sequence[CleanAttachment] = (),
    channel: str = Grievance.Channel.WEB,
    language: str = "bn",
    submission_token: str | None = None,
    actor=None,
    now: datetime.datetime | None = None,
) -> Grievance:
    """Receive a complaint at tier 1: tracking number and expected disposal date (§6.1).

    ``now`` is when the office received it (for a letter entered later, the day it came):
    the guideline's conditions (``eligibility``) are judged on that day, and a complaint
    that fails one raises IneligibleComplaint. A ``submission_token`` already used raises
    DuplicateSubmission with the complaint it filed.
    """
    now = _now(now)
    if submission_token:
        first = Grievance.objects.filter(submission_token=submission_token).first()
        if first is not None:
            raise DuplicateSubmission(first)
    received_on = timezone.localdate(now)
    if is_anonymous:
        name = id_type = id_number = permanent_address = present_address = mobile = email = ""
    elif not mobile:
        raise WorkflowError(_("A mobile number is needed unless the complaint is anonymous."))
    if service is not None and service.office_id != office.pk:
        raise WorkflowError(_("The service is not one of this office's services."))
    if len(attachments) > MAX_ATTACHMENTS:
        raise WorkflowError(
            _("At most %(count)s attachments are allowed.") % {"count": MAX_ATTACHMENTS}
        )
    problems = eligibility.problems(
        is_anonymous=is_anonymous,
        id_type=id_type,
        id_number=id_number,
        service=service,
        service_applied_on=service_applied_on,
        office_has_decided=office_has_decided,
        received_on=received_on,
        today=calendar.today(),
    )
    if problems:
        first_problem = problems[0]
        raise IneligibleComplaint(
            field=first_problem.field, message=first_problem.message, code=first_problem.code
        )
    first = tier_info(office=office, level=GrsTier.Level.GRO)
    grievance = Grievance(
        complaint_type=complaint_type,
        is_anonymous=is_anonymous,
        name=name,
        id_type=id_type,
        id_number=id_number,
        permanent_address=permanent_address,
        present_address=present_address,
        mobile=mobile,
        email=email,
        language=language,
        office=office,
        service=service,
        other_service=other_service if service is None else "",
        service_applied_on=service_applied_on,
        service_tracking_number=service_tracking_number,
        office_has_decided=office_has_decided,
        subject=subject,
        description=description,
        channel=channel,
        received_at=now,
        tier=first.level,
        status=Status.RECEIVED,
        handling_officer=first.officer,
        tier_started_on=received_on,
        deadline=calendar.add_working_days(received_on, first.working_days),
        submission_token=submission_token or None,
    )
    stored: list[str] = []
    try:
        with transaction.atomic():
            _save_with_unique_tracking_number(grievance, year=received_on.year)
            _store_attachments(grievance, attachments, now=now, stored=stored)
            entry = _record(
                grievance,
                kind=Kind.SUBMITTED,
                from_status="",
                from_tier=None,
                now=now,
                actor=actor,
                actor_label="" if actor else str(Grievance.Channel(channel).label),
            )
            notifications.queue_for_step(grievance, entry, now=now)
    except BaseException:
        # The rows are rolled back; the files written so far must go with them.
        _remove_files(stored)
        raise
    return grievance


def start(*, grievance: Grievance, actor, note: str = "", now=None) -> Grievance:
    """The handling officer takes the case up."""
    now = _now(now)
    with transaction.atomic():
        grievance = _locked(grievance)
        _refuse_unless_available(grievance, Step.START, now=now)
        from_status = grievance.status
        grievance.status = Status.IN_PROGRESS
        grievance.save(update_fields=["status", "updated_at"])
        _record(
            grievance,
            kind=Kind.STARTED,
            from_status=from_status,
            from_tier=grievance.tier,
            now=now,
            actor=actor,
            internal_note=note,
        )
    return grievance


def request_information(*, grievance: Grievance, actor, question: str, now=None) -> Grievance:
    """Ask the complainant for more information; the question is shown to them."""
    now = _now(now)
    if not question.strip():
        raise WorkflowError(_("Write the question for the complainant."))
    with transaction.atomic():
        grievance = _locked(grievance)
        _refuse_unless_available(grievance, Step.REQUEST_INFORMATION, now=now)
        from_status = grievance.status
        grievance.status = Status.AWAITING_INFORMATION
        grievance.save(update_fields=["status", "updated_at"])
        entry = _record(
            grievance,
            kind=Kind.INFORMATION_REQUESTED,
            from_status=from_status,
            from_tier=grievance.tier,
            now=now,
            actor=actor,
            public_note=question,
        )
        notifications.queue_for_step(grievance, entry, now=now)
    return grievance


def receive_information(*, grievance: Grievance, actor, note: str = "", now=None) -> Grievance:
    """Record the information the complainant sent; work goes on."""
    now = _now(now)
    with transaction.atomic():
        grievance = _locked(grievance)
        _refuse_unless_available(grievance, Step.RECEIVE_INFORMATION, now=now)
        grievance.status = Status.IN_PROGRESS
        grievance.save(update_fields=["status", "updated_at"])
        _record(
            grievance,
            kind=Kind.INFORMATION_RECEIVED,
            from_status=Status.AWAITING_INFORMATION,
            from_tier=grievance.tier,
            now=now,
            actor=actor,
            internal_note=note,
        )
    return grievance


def forward(*, grievance: Grievance, actor, to_office: Office, note: str = "", now=None):
    """Send the case to the office it concerns; that office's tier officer and clock take over."""
    now = _now(now)
    today = timezone.localdate(now)
    with transaction.atomic():
        grievance = _locked(grievance)
        _refuse_unless_available(grievance, Step.FORWARD, now=now)
        if to_office.pk == grievance.office_id:
            raise WorkflowError(_("The complaint is already with this office."))
        tier = tier_info(office=to_office, level=grievance.tier)
        from_status = grievance.status
        grievance.status = Status.FORWARDED
        grievance.office = to_office
        grievance.handling_officer = tier.officer
        grievance.tier_started_on = today
        grievance.deadline = calendar.add_working_days(today, tier.working_days)
        grievance.investigation_ordered = False
        grievance.save()
        entry = _record(
            grievance,
            kind=Kind.FORWARDED,
            from_status=from_status,
            from_tier=grievance.tier,
            now=now,
            actor=actor,
            public_note=str(to_office),
            internal_note=note,
        )
        notifications.queue_for_step(grievance, entry, now=now)
    return grievance


def record_hearing(
    *, grievance: Grievance, actor, held_on: datetime.date, note: str, now=None
) -> Grievance:
    """Record a hearing the officer held; the notes stay internal."""
    now = _now(now)
    if held_on > timezone.localdate(now):
        raise WorkflowError(_("A hearing cannot be recorded before it is held."))
    with transaction.atomic():
        grievance = _locked(grievance)
        _refuse_unless_available(grievance, Step.RECORD_HEARING, now=now)
        from_status = grievance.status
        grievance.status = Status.IN_PROGRESS
        grievance.save(update_fields=["status", "updated_at"])
        _record(
            grievance,
            kind=Kind.HEARING_RECORDED,
            from_status=from_status,
            from_tier=grievance.tier,
            now=now,
            actor=actor,
            public_note=held_on.isoformat(),
            internal_note=note,
        )
    return grievance


def order_investigation(*, grievance: Grievance, actor, note: str = "", now=None) -> Grievance:
    """The GRO orders an investigation: the tier-1 limit grows by 10 working days, once."""
    now = _now(now)
    with transaction.atomic():
        grievance = _locked(grievance)
        _refuse_unless_available(grievance, Step.ORDER_INVESTIGATION, now=now)
        from_status = grievance.status
        grievance.status = Status.IN_PROGRESS
        grievance.investigation_ordered = True
        grievance.deadline = calendar.add_working_days(
            grievance.deadline, INVESTIGATION_EXTENSION_WORKING_DAYS
        )
        grievance.save(update_fields=["status", "investigation_ordered", "deadline", "updated_at"])
        _record(
            grievance,
            kind=Kind.INVESTIGATION_ORDERED,
            from_status=from_status,
            from_tier=grievance.tier,
            now=now,
            actor=actor,
            internal_note=note,
        )
    return grievance


def dispose(*, grievance: Grievance, actor, decision: str, note: str = "", now=None):
    """Dispose the case with a written decision, which the complainant is told."""
    now = _now(now)
    if not decision.strip():
        raise WorkflowError(_("Write the decision."))
    with transaction.atomic():
        grievance = _locked(grievance)
        _refuse_unless_available(grievance, Step.DISPOSE, now=now)
        from_status = grievance.status
        grievance.status = Status.DISPOSED
        grievance.decision = decision
        grievance.disposed_at = now
        grievance.save(update_fields=["status", "decision", "disposed_at", "updated_at"])
        entry = _record(
            grievance,
            kind=Kind.DISPOSED,
            from_status=from_status,
            from_tier=grievance.tier,
            now=now,
            actor=actor,
            public_note=decision,
            internal_note=note,
        )
        notifications.queue_for_step(grievance, entry, now=now)
    return grievance


def _move_up(grievance: Grievance, *, today: datetime.date) -> TierInfo:
    upper = tier_info(office=grievance.office, level=grievance.tier + 1)
    grievance.tier = upper.level
    grievance.status = Status.RECEIVED
    grievance.handling_officer = upper.officer
    grievance.tier_started_on = today
    grievance.deadline = calendar.add_working_days(today, upper.working_days)
    grievance.investigation_ordered = False
    return upper


def appeal(*, grievance: Grievance, reason: str, now=None) -> Grievance:
    """The complainant, not satisfied with a disposal, appeals to the next tier within 30 days."""
    now = _now(now)
    today = timezone.localdate(now)
    if not reason.strip():
        raise WorkflowError(_("Give the reason for the appeal."))
    with transaction.atomic():
        grievance = _locked(grievance)
        _refuse_unless_available(grievance, Step.APPEAL, now=now)
        from_tier = grievance.tier
        _move_up(grievance, today=today)
        grievance.save()
        entry = _record(
            grievance,
            kind=Kind.APPEALED,
            from_status=Status.DISPOSED,
            from_tier=from_tier,
            now=now,
            actor_label=str(_("Complainant")),
            internal_note=reason,
        )
        notifications.queue_for_step(grievance, entry, now=now)
    return grievance


def close(*, grievance: Grievance, actor, note: str = "", now=None) -> Grievance:
    """Close a disposed case (the complainant is satisfied or the appeal period is over)."""
    now = _now(now)
    with transaction.atomic():
        grievance = _locked(grievance)
        _refuse_unless_available(grievance, Step.CLOSE, now=now)
        grievance.status = Status.CLOSED
        grievance.closed_at = now
        grievance.save(update_fields=["status", "closed_at", "updated_at"])
        entry = _record(
            grievance,
            kind=Kind.CLOSED,
            from_status=Status.DISPOSED,
            from_tier=grievance.tier,
            now=now,
            actor=actor,
            internal_note=note,
        )
        notifications.queue_for_step(grievance, entry, now=now)
    return grievance


def rate(*, grievance: Grievance, satisfied: bool, comment: str = "", now=None) -> Rating:
    """The complainant says whether the disposal satisfied them; officers see it in admin."""
    now = _now(now)
    with transaction.atomic():
        grievance = _locked(grievance)
        _refuse_unless_available(grievance, Step.RATE, now=now)
        rating = Rating.objects.create(
            grievance=grievance,
            tier=grievance.tier,
            satisfied=satisfied,
            comment=comment,
            created_at=now,
        )
        _record(
            grievance,
            kind=Kind.RATED,
            from_status=grievance.status,
            from_tier=grievance.tier,
            now=now,
            actor_label=str(_("Complainant")),
            internal_note=comment,
        )
    return rating


def escalate(*, grievance: Grievance, today: datetime.date, now=None) -> Grievance:
    """Move one overdue case up a tier (the sweep below does the same for many at once)."""
    now = _now(now)
    with transaction.atomic():
        grievance = _locked(grievance)
        _refuse_unless(grievance, Grievance.OPEN_STATUSES)
        if grievance.tier >= GrsTier.Level.CABINET_CELL:
            raise WorkflowError(_("There is no higher tier to escalate to."))
        if not grievance.deadline < today:
            raise WorkflowError(_("The complaint is not overdue yet."))
        from_status, from_tier = grievance.status, grievance.tier
        _move_up(grievance, today=today)
        grievance.save()
        entry = _record(
            grievance,
            kind=Kind.ESCALATED,
            from_status=from_status,
            from_tier=from_tier,
            now=now,
            actor_label=str(_("System")),
        )
        notifications.queue_for_step(grievance, entry, now=now)
    return grievance


@dataclass
class EscalationResult:
    today: datetime.date
    dry_run: bool
    by_tier: Counter = field(default_factory=Counter)  # from-tier -> number of cases moved
    # (office, from-tier) -> cases that could not move: the charter lacks the next tier
    stuck: Counter = field(default_factory=Counter)

    @property
    def total(self) -> int:
        return sum(self.by_tier.values())


ESCALATION_FIELDS = (
    "pk",
    "tier",
    "office_id",
    "status",
    "tracking_number",
    "is_anonymous",
    "mobile",
    "email",
    "language",
)


def _chunks(items: list, size: int):
    for start in range(0, len(items), size):
        yield items[start : start + size]


def escalate_overdue(
    *, today: datetime.date, now=None, dry_run: bool = False, batch_size: int = 2000
) -> EscalationResult:
    """Move every case whose tier deadline passed without a disposal up one tier.

    Set-based: lock the overdue rows (skipping rows another run holds), bulk-update tier,
    officer and deadline per (office, tier), bulk-create timeline entries and messages.
    Running it again, or twice at once, moves no case twice: a moved case has a new
    deadline after ``today``.
    """
    now = _now(now)
    result = EscalationResult(today=today, dry_run=dry_run)
    overdue = Grievance.objects.overdue(today).filter(tier__lt=GrsTier.Level.CABINET_CELL)
    if dry_run:
        counts = overdue.order_by().values("tier").annotate(cases=Count("pk"))
        result.by_tier.update({row["tier"]: row["cases"] for row in counts})
        return result
    with transaction.atomic():
        if connection.features.has_select_for_update_skip_locked:
            overdue = overdue.select_for_update(skip_locked=True)
        rows = list(overdue.order_by("pk").values_list(*ESCALATION_FIELDS, named=True))
        groups = defaultdict(list)
        for row in rows:
            groups[(row.office_id, row.tier)].append(row)
        offices = Office.objects.in_bulk({office_id for office_id, _tier in groups})
        deadlines: dict[int, datetime.date] = {}
        entries = []
        moved = []
        for (office_id, level), group in groups.items():
            try:
                upper = tier_info(office=offices[office_id], level=level + 1)
            except WorkflowError:
                # One office's incomplete GRS table must not stop every other office's cases.
                logger.error(
                    "Office %s has no GRS tier %s: %s case(s) not escalated",
                    office_id,
                    level + 1,
                    len(group),
                )
                result.stuck[(offices[office_id], level)] += len(group)
                continue
            if upper.working_days not in deadlines:
                deadlines[upper.working_days] = calendar.add_working_days(today, upper.working_days)
            deadline = deadlines[upper.working_days]
            for chunk in _chunks([row.pk for row in group], batch_size):
                Grievance.objects.filter(
                    pk__in=chunk, tier=level, status__in=Grievance.OPEN_STATUSES
                ).update(
                    tier=upper.level,
                    status=Status.RECEIVED,
                    handling_officer=upper.officer,
                    tier_started_on=today,
                    deadline=deadline,
                    investigation_ordered=False,
                    updated_at=now,
                )
            entries.extend(
                TimelineEntry(
                    grievance_id=row.pk,
                    created_at=now,
                    kind=Kind.ESCALATED,
                    actor_label=str(_("System")),
                    from_status=row.status,
                    to_status=Status.RECEIVED,
                    from_tier=level,
                    to_tier=upper.level,
                )
                for row in group
            )
            moved.append((upper, deadline, group))
            result.by_tier[level] += len(group)
        TimelineEntry.objects.bulk_create(entries, batch_size=batch_size)
        notifications.queue_escalations(moved, now=now, batch_size=batch_size)
    return result
