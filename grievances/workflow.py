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

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Count
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from core.templatetags.local_format import digits, local_date
from services import scoping
from services.models import GrsTier, Office, Officer, Service

from . import blacklist, calendar, eligibility, notifications
from .attachments import CleanAttachment
from .models import (
    Appeal,
    Attachment,
    BlacklistRecord,
    Grievance,
    Hearing,
    Investigation,
    OutboxMessage,
    Rating,
    TimelineEntry,
    private_storage,
)

logger = logging.getLogger(__name__)

Status = Grievance.Status
Kind = TimelineEntry.Kind

MAX_ATTACHMENTS = 3
# Guideline §7.4.1: an investigation extends the GRO's limit by 10 working days, once.
INVESTIGATION_EXTENSION_WORKING_DAYS = 10
# Guideline §8: a complainant may appeal within 30 days of the disposal.
APPEAL_WINDOW_DAYS = 30
# A request for information: the complainant's working days to reply (the officer chooses).
REPLY_WORKING_DAYS = 10
MAX_REPLY_WORKING_DAYS = 30
# Guideline: the decision is communicated to the complainant within 7 working days of it.
DECISION_NOTICE_WORKING_DAYS = 7
# The latest an investigation's report may be due: 20 working days from the order.
INVESTIGATION_MAX_WORKING_DAYS = 20
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


def _published_tiers(level: int):
    return GrsTier.objects.filter(level=level, charter__is_published=True)


def tier_info(*, office: Office, level: int) -> TierInfo:
    """Who handles ``level`` for ``office`` and in how many working days: the charter's GRS table.

    The office's own published charter's row for ``level``; an office whose charter is not
    published, or has no such row, uses the nearest office above it that has one (Kaunia's
    GRO is the District ICT Officer in Rangpur, named in Kaunia's own table; an upazila
    office without a published charter takes its district's table). The officer may sit in
    any office: the case goes to that post wherever it is.
    """
    current = office
    seen = set()
    while current is not None and current.pk not in seen:
        seen.add(current.pk)
        tier = _published_tiers(level).filter(charter__office=current).select_related("officer")
        tier = tier.first()
        if tier is not None:
            return TierInfo(level, tier.officer, tier.time_limit_working_days)
        current = current.parent
    raise WorkflowError(
        _("The charter of %(office)s has no grievance redress tier %(level)s.")
        % {"office": office, "level": digits(level)}
    )


def offices_with_tier(level: int) -> set[int]:
    """Ids of the offices ``tier_info`` answers for ``level``: those whose own published
    charter has that GRS row, and every office under one of them."""
    tables = set(_published_tiers(level).values_list("charter__office_id", flat=True))
    return scoping.with_offices_below(tables)


def offices_to_forward_to(grievance: Grievance):
    """The offices ``forward`` accepts for ``grievance``: every other office with a published
    GRS table for the case's tier, its own or an office's above it."""
    return Office.objects.filter(pk__in=offices_with_tier(grievance.tier)).exclude(
        pk=grievance.office_id
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
    SCHEDULE_HEARING = "schedule_hearing"
    RECORD_HEARING = "record_hearing"
    ORDER_INVESTIGATION = "order_investigation"
    RECORD_INVESTIGATION_REPORT = "record_investigation_report"
    FORWARD = "forward"
    DISPOSE = "dispose"
    DECLINE = "decline"
    CLOSE = "close"
    ENTER_APPEAL = "enter_appeal"  # an appeal that came on paper
    PROPOSE_BLACKLISTING = "propose_blacklisting"
    CLOSE_FOR_WANT_OF_INFORMATION = "close_for_want_of_information"
    RECORD_CELL_DECISION = "record_cell_decision"
    RECORD_COMPLAINANT_INFORMED = "record_complainant_informed"
    # The complainant's (on the case page).
    APPEAL = "appeal"
    RATE = "rate"
    ANSWER_INFORMATION = "answer_information"


STAFF_STEPS = frozenset(
    {
        Step.START,
        Step.REQUEST_INFORMATION,
        Step.RECEIVE_INFORMATION,
        Step.SCHEDULE_HEARING,
        Step.RECORD_HEARING,
        Step.ORDER_INVESTIGATION,
        Step.RECORD_INVESTIGATION_REPORT,
        Step.FORWARD,
        Step.DISPOSE,
        Step.DECLINE,
        Step.CLOSE,
        Step.ENTER_APPEAL,
        Step.PROPOSE_BLACKLISTING,
        Step.CLOSE_FOR_WANT_OF_INFORMATION,
        Step.RECORD_CELL_DECISION,
        Step.RECORD_COMPLAINANT_INFORMED,
    }
)
COMPLAINANT_STEPS = frozenset({Step.APPEAL, Step.RATE, Step.ANSWER_INFORMATION})


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
    sweep's, not a person's, step.) Costs one query for a disposed or closed case, and for
    an open one with an investigation ordered (is its report still to come?).
    """
    status = grievance.status
    steps: set[Step] = set()
    at_gro = grievance.tier == GrsTier.Level.GRO
    # §8: the GRO may propose the complainant's number or ID for the blacklist, whatever
    # the case's state (often once it is disposed as false or harassing).
    if at_gro and not grievance.is_anonymous:
        steps.add(Step.PROPOSE_BLACKLISTING)
    # A message failed for good, or the decision was not told in 7 working days: once the
    # office has told the complainant another way, it records so (whatever the case's state).
    if grievance.complainant_not_informed:
        steps.add(Step.RECORD_COMPLAINANT_INFORMED)
    if status in Grievance.OPEN_STATUSES:
        steps |= {Step.SCHEDULE_HEARING, Step.RECORD_HEARING, Step.FORWARD, Step.DISPOSE}
        if status in (Status.RECEIVED, Status.FORWARDED):
            steps.add(Step.START)
        if status == Status.AWAITING_INFORMATION:
            # The complainant answers on the case page, or staff enter a reply on paper.
            steps |= {Step.RECEIVE_INFORMATION, Step.ANSWER_INFORMATION}
            if grievance.information_due is not None and today > grievance.information_due:
                steps.add(Step.CLOSE_FOR_WANT_OF_INFORMATION)
        elif not grievance.is_anonymous and today <= grievance.deadline:
            # Nobody to ask an anonymous complainant; a clock that has run out cannot pause
            # (the case is overdue and goes up a tier).
            steps.add(Step.REQUEST_INFORMATION)
        # §7.4.1: only the GRO's time limit, only once, and only while it runs: an
        # investigation cannot pull a case back from overdue.
        if at_gro and not grievance.investigation_ordered and today <= grievance.deadline:
            steps.add(Step.ORDER_INVESTIGATION)
        if grievance.investigation_ordered and _investigation_under_way(grievance):
            steps.add(Step.RECORD_INVESTIGATION_REPORT)
        # §8 (a confirmed blacklisted number or ID) and the product brief (an anonymous
        # complaint): the GRO may decline, with a reason.
        if at_gro and (grievance.blacklisted or grievance.is_anonymous):
            steps.add(Step.DECLINE)
        return frozenset(steps)
    if status == Status.CABINET_CELL:
        # The cell works outside this system; staff record its decision when it arrives.
        steps.add(Step.RECORD_CELL_DECISION)
    if status not in (Status.DISPOSED, Status.CLOSED):
        return frozenset(steps)
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
        # An appeal that came on paper: its 30 days are judged on the day it was received,
        # which ``enter_appeal`` checks.
        if last_day is not None and not grievance.is_anonymous:
            steps.add(Step.ENTER_APPEAL)
        # Closed once the appeal period is over or the complainant is satisfied.
        if not may_appeal or True in ratings:
            steps.add(Step.CLOSE)
    return frozenset(steps)


def _investigation_under_way(grievance: Grievance) -> bool:
    return Investigation.objects.filter(grievance=grievance, report__isnull=True).exists()


def why_unavailable(grievance: Grievance, step: Step) -> str:
    """What to tell the person who tried ``step`` when it is not in ``available_steps``."""
    status = grievance.status
    if step == Step.PROPOSE_BLACKLISTING:
        if grievance.is_anonymous:
            return _("An anonymous complaint has no number to blacklist.")
        if grievance.tier != GrsTier.Level.GRO:
            return _("Only the GRO proposes a number for the blacklist.")
    if step == Step.RECORD_COMPLAINANT_INFORMED:
        return _("Nothing shows that the complainant was not informed.")
    if status in Grievance.OPEN_STATUSES:
        if step == Step.REQUEST_INFORMATION and grievance.is_anonymous:
            return _("An anonymous complainant cannot be asked for information.")
        if step == Step.REQUEST_INFORMATION and status != Status.AWAITING_INFORMATION:
            return _(
                "The time limit ended on %(date)s: the complaint goes to the next tier and "
                "can no longer wait for information here."
            ) % {"date": local_date(grievance.deadline)}
        if step == Step.CLOSE_FOR_WANT_OF_INFORMATION and status == Status.AWAITING_INFORMATION:
            return _(
                "The complainant may still answer until %(date)s; the complaint can be closed "
                "for want of information after that."
            ) % {"date": local_date(grievance.information_due)}
        if step in (Step.ANSWER_INFORMATION, Step.CLOSE_FOR_WANT_OF_INFORMATION):
            return _("No information has been asked for.")
        if step == Step.ORDER_INVESTIGATION and grievance.tier != GrsTier.Level.GRO:
            return _("Only the GRO's time limit can be extended by an investigation.")
        if step == Step.ORDER_INVESTIGATION and grievance.investigation_ordered:
            return _("An investigation has already been ordered for this complaint.")
        if step == Step.ORDER_INVESTIGATION:
            return _(
                "The GRO's time limit ended on %(date)s: an investigation can only be ordered "
                "before it ends."
            ) % {"date": local_date(grievance.deadline)}
        if step == Step.RECORD_INVESTIGATION_REPORT:
            return _("No investigation is waiting for its report.")
        if step == Step.DECLINE:
            return _(
                "Only a complaint from a blacklisted number or ID, or an anonymous one, can be "
                "declined, and only by the GRO."
            )
    if status == Status.DISPOSED:
        appealing = step in (Step.APPEAL, Step.ENTER_APPEAL)
        if appealing and grievance.tier >= GrsTier.Level.CABINET_CELL:
            return _("There is no higher tier to appeal to.")
        if appealing and grievance.is_anonymous:
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
    effective_on: datetime.date | None = None,
) -> TimelineEntry:
    """The step's timeline entry, with the tier's deadline as the step left it. A decision
    (a disposal of any kind) also starts the 7 working days in which the complainant must
    be told of it (``check_decision_notices``)."""
    if kind == Kind.DISPOSED and not grievance.is_anonymous:
        due = calendar.add_working_days(timezone.localdate(now), DECISION_NOTICE_WORKING_DAYS)
        grievance.decision_notice_due = due
        Grievance.objects.filter(pk=grievance.pk).update(decision_notice_due=due)
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
        deadline=grievance.deadline,
        effective_on=effective_on,
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


def _store_attachments(
    grievance: Grievance, attachments, *, now, stored: list[str]
) -> list[Attachment]:
    """Write each file and its row; ``stored`` collects the file names for cleanup."""
    rows = []
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
        rows.append(attachment)
    return rows


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
    recipient_name: str = "",
    recipient_relation: str = "",
    date_of_birth: datetime.date | None = None,
    gender: str = "",
    education: str = "",
    occupation: str = "",
    complaining_office: str = "",
    complaining_office_address: str = "",
    writing_officer: str = "",
    remedy_sought: str = "",
    prevention: str = "",
    declaration: bool = False,
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

    The annex খ-১ fields other channels may not have (the service recipient, date of birth,
    gender, education, occupation, the official complaint's office, the remedy sought, how
    to prevent a repeat, the declaration) default to empty. A complaint from a mobile number
    or ID on the office's blacklist (guideline §8) is received all the same, flagged for
    the GRO (``blacklisted``).
    """
    now = _now(now)
    if submission_token:
        first = Grievance.objects.filter(submission_token=submission_token).first()
        if first is not None:
            raise DuplicateSubmission(first)
    received_on = timezone.localdate(now)
    if is_anonymous:
        name = id_type = id_number = permanent_address = present_address = mobile = email = ""
        recipient_name = recipient_relation = gender = education = occupation = ""
        complaining_office = complaining_office_address = writing_officer = ""
        date_of_birth = None
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
        recipient_name=recipient_name,
        recipient_relation=recipient_relation,
        date_of_birth=date_of_birth,
        gender=gender,
        education=education,
        occupation=occupation,
        complaining_office=complaining_office,
        complaining_office_address=complaining_office_address,
        writing_officer=writing_officer,
        remedy_sought=remedy_sought,
        prevention=prevention,
        declaration=declaration,
        blacklisted=not is_anonymous
        and blacklist.is_blacklisted(
            office=office, mobile=mobile, id_type=id_type, id_number=id_number
        ),
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


def request_information(
    *,
    grievance: Grievance,
    actor,
    question: str,
    reply_days: int = REPLY_WORKING_DAYS,
    now=None,
) -> Grievance:
    """Ask the complainant for more information: the tier's clock pauses until the reply.

    The question is shown on the case page and sent by SMS and e-mail, with the reply
    deadline (``information_due``): ``reply_days`` working days after today (10 unless the
    officer chooses otherwise). The clock pauses today with the working days the tier has
    left after today (``working_days_left_when_paused``; at least one, for a request made on
    the deadline day itself). The reply resumes it (``_resume_clock``): the new deadline is
    that many working days after the day of the reply, which does not count, as the day of
    receipt does not. Without a reply the clock resumes by itself after the reply deadline,
    so the deadline stored while waiting is the latest it can be: that many working days
    after the reply deadline; from then on the officer may close the case for want of
    information (``close_for_want_of_information``).
    """
    now = _now(now)
    today = timezone.localdate(now)
    if not question.strip():
        raise WorkflowError(_("Write the question for the complainant."))
    if not 1 <= reply_days <= MAX_REPLY_WORKING_DAYS:
        raise WorkflowError(
            _("Give the complainant from 1 to %(most)s working days to reply.")
            % {"most": digits(MAX_REPLY_WORKING_DAYS)}
        )
    with transaction.atomic():
        grievance = _locked(grievance)
        _refuse_unless_available(grievance, Step.REQUEST_INFORMATION, now=now)
        from_status = grievance.status
        left = max(1, calendar.working_days_between(today, grievance.deadline))
        due = calendar.add_working_days(today, reply_days)
        grievance.status = Status.AWAITING_INFORMATION
        grievance.paused_on = today
        grievance.working_days_left_when_paused = left
        grievance.information_due = due
        grievance.deadline = calendar.add_working_days(due, left)
        grievance.save(
            update_fields=[
                "status",
                "paused_on",
                "working_days_left_when_paused",
                "information_due",
                "deadline",
                "updated_at",
            ]
        )
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


def _working_status(status: str) -> str:
    """The status after an officer's step on the case (a hearing, an investigation): in
    progress, unless it waits for the complainant's information, which goes on waiting
    (the question stays open, the clock stays paused)."""
    return status if status == Status.AWAITING_INFORMATION else Status.IN_PROGRESS


def _resume_clock(grievance: Grievance, *, replied_on: datetime.date) -> None:
    """The reply came on ``replied_on``: work goes on, with the working days the tier had
    left when the question was asked (and any investigation's extension ordered while
    waiting), counted after the day of the reply. A reply after the reply deadline finds
    the clock already resumed (after the reply deadline): the deadline stands."""
    due, left = grievance.information_due, grievance.working_days_left_when_paused
    if due is not None and left and replied_on <= due:
        asked_at = (
            TimelineEntry.objects.filter(grievance=grievance, kind=Kind.INFORMATION_REQUESTED)
            .order_by("-created_at", "-pk")
            .values_list("created_at", flat=True)
            .first()
        )
        if asked_at is not None and (
            TimelineEntry.objects.filter(
                grievance=grievance, kind=Kind.INVESTIGATION_ORDERED, created_at__gte=asked_at
            ).exists()
        ):
            left += INVESTIGATION_EXTENSION_WORKING_DAYS
        start = max(replied_on, grievance.paused_on or replied_on)
        grievance.deadline = calendar.add_working_days(start, left)
    grievance.status = Status.IN_PROGRESS
    grievance.paused_on = grievance.working_days_left_when_paused = None
    grievance.information_due = None


RESUME_FIELDS = [
    "status",
    "deadline",
    "paused_on",
    "working_days_left_when_paused",
    "information_due",
    "updated_at",
]


def receive_information(
    *,
    grievance: Grievance,
    actor,
    reply: str = "",
    received_on: datetime.date | None = None,
    note: str = "",
    now=None,
) -> Grievance:
    """Staff record a reply that came on paper, by hand or by phone on ``received_on``
    (today unless given): the clock resumes as of that day (``_resume_clock``). The reply
    (what it says; admin asks for it) is shown to the complainant as their answer; ``note``
    stays internal."""
    now = _now(now)
    today = timezone.localdate(now)
    received_on = received_on or today
    if received_on > today:
        raise WorkflowError(_("A reply cannot have been received after today."))
    with transaction.atomic():
        grievance = _locked(grievance)
        _refuse_unless_available(grievance, Step.RECEIVE_INFORMATION, now=now)
        if grievance.paused_on is not None and received_on < grievance.paused_on:
            raise WorkflowError(
                _("The reply cannot have come before the question was asked, on %(date)s.")
                % {"date": local_date(grievance.paused_on)}
            )
        _resume_clock(grievance, replied_on=received_on)
        grievance.save(update_fields=RESUME_FIELDS)
        entry = _record(
            grievance,
            kind=Kind.INFORMATION_RECEIVED,
            from_status=Status.AWAITING_INFORMATION,
            from_tier=grievance.tier,
            now=now,
            actor=actor,
            public_note=reply,
            internal_note=note,
            effective_on=received_on if received_on != today else None,
        )
        notifications.queue_for_step(grievance, entry, now=now)
    return grievance


def answer_information(
    *,
    grievance: Grievance,
    answer: str,
    attachments: Sequence[CleanAttachment] = (),
    now=None,
) -> Grievance:
    """The complainant answers the office's question on the case page, with text and
    files (checked by ``attachments.clean_uploads``, stored like the complaint's): the clock
    resumes today (``_resume_clock``) and the handling officer is told."""
    now = _now(now)
    today = timezone.localdate(now)
    if not answer.strip() and not attachments:
        raise WorkflowError(_("Write your answer or attach a file."))
    if len(attachments) > MAX_ATTACHMENTS:
        raise WorkflowError(
            _("At most %(count)s attachments are allowed.") % {"count": MAX_ATTACHMENTS}
        )
    stored: list[str] = []
    try:
        with transaction.atomic():
            grievance = _locked(grievance)
            _refuse_unless_available(grievance, Step.ANSWER_INFORMATION, now=now)
            _resume_clock(grievance, replied_on=today)
            grievance.save(update_fields=RESUME_FIELDS)
            try:
                _store_attachments(grievance, attachments, now=now, stored=stored)
            except WorkflowError:
                raise WorkflowError(
                    _("The files could not be stored, so the answer was not saved. Try again.")
                ) from None
            files = ", ".join(upload.original_name[:200] for upload in attachments)
            note = answer.strip()
            if files:
                note = "\n".join(
                    [part for part in (note, _("Attached: %(files)s") % {"files": files}) if part]
                )
            entry = _record(
                grievance,
                kind=Kind.INFORMATION_RECEIVED,
                from_status=Status.AWAITING_INFORMATION,
                from_tier=grievance.tier,
                now=now,
                actor_label=str(_("Complainant")),
                public_note=note,
            )
            notifications.queue_for_step(grievance, entry, now=now)
    except BaseException:
        _remove_files(stored)
        raise
    return grievance


def forward(*, grievance: Grievance, actor, to_office: Office, note: str = "", now=None):
    """Send the case to the office it concerns; that office's tier officer and clock take over.

    ``to_office`` is any other office whose GRS table, or the table of an office above it,
    has the case's tier (``offices_to_forward_to``); the case keeps its tier, its tracking
    number and its whole timeline, and is handled from now on by the officer that table
    names (``tier_info``), who sees it in admin with every earlier step.

    The deadline of a forwarded case: the guideline counts the time limit from receipt by
    the office that should deal with the complaint, so the forwarding date is the date of
    receipt at ``to_office``: the tier's clock restarts that day with the receiving office's
    time limit for the tier (30 working days at tier 1 in the guideline's table), the day of
    forwarding not counted, and an investigation extension ordered at the first office
    lapses (the receiving GRO may order one). The time the case spent at the first office
    is not deducted.
    """
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


def schedule_hearing(
    *,
    grievance: Grievance,
    actor,
    hearing_date: datetime.date,
    hearing_time: datetime.time,
    place: str,
    summoned: str,
    note: str = "",
    now=None,
) -> Hearing:
    """Call a hearing: its date and time (Asia/Dhaka), place and who is summoned. The
    complainant is sent the notice by SMS and e-mail and sees it on the tracking page; the
    outcome is recorded afterwards (``record_hearing``). The internal note stays internal."""
    now = _now(now)
    starts_at = timezone.make_aware(
        datetime.datetime.combine(hearing_date, hearing_time), timezone.get_default_timezone()
    )
    if starts_at <= now:
        raise WorkflowError(_("A hearing is scheduled for a date and time still to come."))
    if not place.strip():
        raise WorkflowError(_("Give the place of the hearing."))
    if not summoned.strip():
        raise WorkflowError(_("Say who is summoned to the hearing."))
    with transaction.atomic():
        grievance = _locked(grievance)
        _refuse_unless_available(grievance, Step.SCHEDULE_HEARING, now=now)
        from_status = grievance.status
        if from_status in (Status.RECEIVED, Status.FORWARDED):
            grievance.status = Status.IN_PROGRESS
            grievance.save(update_fields=["status", "updated_at"])
        entry = _record(
            grievance,
            kind=Kind.HEARING_SCHEDULED,
            from_status=from_status,
            from_tier=grievance.tier,
            now=now,
            actor=actor,
            internal_note=note,
        )
        hearing = Hearing.objects.create(
            grievance=grievance,
            tier=grievance.tier,
            starts_at=starts_at,
            place=place,
            summoned=summoned,
            scheduled_entry=entry,
        )
        notifications.queue_for_step(grievance, entry, now=now)
    return hearing


def record_hearing(
    *, grievance: Grievance, actor, held_on: datetime.date, note: str, now=None
) -> Grievance:
    """Record a hearing the officer held, scheduled here or not; the notes stay internal.

    The outcome of the latest scheduled hearing on or before ``held_on`` that has none yet
    is this one."""
    now = _now(now)
    if held_on > timezone.localdate(now):
        raise WorkflowError(_("A hearing cannot be recorded before it is held."))
    with transaction.atomic():
        grievance = _locked(grievance)
        _refuse_unless_available(grievance, Step.RECORD_HEARING, now=now)
        from_status = grievance.status
        grievance.status = _working_status(from_status)
        grievance.save(update_fields=["status", "updated_at"])
        entry = _record(
            grievance,
            kind=Kind.HEARING_RECORDED,
            from_status=from_status,
            from_tier=grievance.tier,
            now=now,
            actor=actor,
            public_note=held_on.isoformat(),
            internal_note=note,
        )
        end_of_day = timezone.make_aware(
            datetime.datetime.combine(held_on, datetime.time.max), timezone.get_default_timezone()
        )
        scheduled = (
            Hearing.objects.filter(
                grievance=grievance, outcome_entry__isnull=True, starts_at__lte=end_of_day
            )
            .order_by("-starts_at", "-pk")
            .first()
        )
        if scheduled is not None:
            scheduled.outcome_entry = entry
            scheduled.save(update_fields=["outcome_entry"])
    return grievance


def latest_investigation_due(*, today: datetime.date) -> datetime.date:
    """The latest due date an investigation ordered on ``today`` may have."""
    return calendar.add_working_days(today, INVESTIGATION_MAX_WORKING_DAYS)


def order_investigation(
    *,
    grievance: Grievance,
    actor,
    investigating_officer: str,
    due_on: datetime.date,
    note: str = "",
    now=None,
) -> Grievance:
    """The GRO orders an investigation by ``investigating_officer``, its report due by
    ``due_on`` (at most 20 working days on): the tier-1 limit grows by 10 working days,
    once, and only while it has not ended (§7.4.1)."""
    now = _now(now)
    today = timezone.localdate(now)
    if not investigating_officer.strip():
        raise WorkflowError(_("Name the investigating officer."))
    with transaction.atomic():
        grievance = _locked(grievance)
        _refuse_unless_available(grievance, Step.ORDER_INVESTIGATION, now=now)
        latest = latest_investigation_due(today=today)
        if not today < due_on <= latest:
            raise WorkflowError(
                _(
                    "The report's due date must be after today and at most %(days)s working "
                    "days on, by %(date)s."
                )
                % {"days": digits(INVESTIGATION_MAX_WORKING_DAYS), "date": local_date(latest)}
            )
        from_status = grievance.status
        grievance.status = _working_status(from_status)
        grievance.investigation_ordered = True
        grievance.deadline = calendar.add_working_days(
            grievance.deadline, INVESTIGATION_EXTENSION_WORKING_DAYS
        )
        grievance.save(update_fields=["status", "investigation_ordered", "deadline", "updated_at"])
        entry = _record(
            grievance,
            kind=Kind.INVESTIGATION_ORDERED,
            from_status=from_status,
            from_tier=grievance.tier,
            now=now,
            actor=actor,
            internal_note=note,
        )
        Investigation.objects.create(
            grievance=grievance,
            investigating_officer=investigating_officer,
            due_on=due_on,
            ordered_entry=entry,
        )
    return grievance


def record_investigation_report(
    *, grievance: Grievance, actor, report: CleanAttachment, note: str = "", now=None
) -> Investigation:
    """The investigating officer's report, stored as an attachment of the case (private
    storage, served only to officers)."""
    now = _now(now)
    stored: list[str] = []
    try:
        with transaction.atomic():
            grievance = _locked(grievance)
            _refuse_unless_available(grievance, Step.RECORD_INVESTIGATION_REPORT, now=now)
            investigation = (
                Investigation.objects.select_for_update()
                .filter(grievance=grievance, report__isnull=True)
                .order_by("pk")
                .first()
            )
            (attachment,) = _store_attachments(grievance, [report], now=now, stored=stored)
            entry = _record(
                grievance,
                kind=Kind.INVESTIGATION_REPORTED,
                from_status=grievance.status,
                from_tier=grievance.tier,
                now=now,
                actor=actor,
                internal_note=note,
            )
            investigation.report = attachment
            investigation.report_entry = entry
            investigation.save(update_fields=["report", "report_entry"])
    except BaseException:
        _remove_files(stored)
        raise
    return investigation


def _mark_disposed(grievance: Grievance, *, decision: str, kind: str, now, also=()) -> None:
    """Set a disposal's fields and save them (with the fields in ``also``)."""
    grievance.status = Status.DISPOSED
    grievance.decision = decision
    grievance.disposal_kind = kind
    grievance.disposed_at = now
    grievance.save(
        update_fields=["status", "decision", "disposal_kind", "disposed_at", *also, "updated_at"]
    )


def _dispose(*, grievance: Grievance, step: Step, kind: str, decision: str, actor, note, now):
    """A disposal the complainant is told of: the written decision, or a reason to decline."""
    with transaction.atomic():
        grievance = _locked(grievance)
        _refuse_unless_available(grievance, step, now=now)
        from_status = grievance.status
        _mark_disposed(grievance, decision=decision, kind=kind, now=now)
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


def dispose(*, grievance: Grievance, actor, decision: str, note: str = "", now=None):
    """Dispose the case with a written decision, which the complainant is told."""
    if not decision.strip():
        raise WorkflowError(_("Write the decision."))
    return _dispose(
        grievance=grievance,
        step=Step.DISPOSE,
        kind=Grievance.DisposalKind.DECIDED,
        decision=decision,
        actor=actor,
        note=note,
        now=_now(now),
    )


def decline(*, grievance: Grievance, actor, reason: str, note: str = "", now=None) -> Grievance:
    """The GRO declines a complaint from a confirmed blacklisted number or ID (guideline §8),
    or an anonymous one, with a reason the complainant is told and sees on the tracking
    page. It is a disposal (counted as one, and appealable like any other) whose kind is
    "declined"."""
    if not reason.strip():
        raise WorkflowError(_("Give the reason for declining the complaint."))
    return _dispose(
        grievance=grievance,
        step=Step.DECLINE,
        kind=Grievance.DisposalKind.DECLINED,
        decision=reason,
        actor=actor,
        note=note,
        now=_now(now),
    )


def _move_up(grievance: Grievance, *, today: datetime.date) -> TierInfo:
    """The case to the next tier (appeal or escalation): to the officer the GRS table of the
    case's office names for it (or the nearest office above with that row), wherever that
    officer sits (Kaunia's tier 2 is the Deputy Director at the Department in Dhaka), with
    that tier's limit from today.

    Tier 3, the Cabinet Division's cell, works outside this system: the case is marked
    "for the Cabinet Division cell" (not open here, never overdue here), and the messages
    tell the complainant to take it there (``notifications``)."""
    upper = tier_info(office=grievance.office, level=grievance.tier + 1)
    grievance.tier = upper.level
    grievance.status = (
        Status.CABINET_CELL if upper.level == GrsTier.Level.CABINET_CELL else Status.RECEIVED
    )
    grievance.handling_officer = upper.officer
    grievance.tier_started_on = today
    grievance.deadline = calendar.add_working_days(today, upper.working_days)
    grievance.investigation_ordered = False
    return upper


def _appellant_problem(appellant_role: str, appellant_name: str) -> str | None:
    if appellant_role not in Appeal.AppellantRole.values:
        return _("Choose who is appealing.")
    if appellant_role != Appeal.AppellantRole.COMPLAINANT and not appellant_name.strip():
        return _("Give the name of the officer appealing.")
    return None


def _take_appeal(
    grievance: Grievance,
    *,
    step: Step,
    reason: str,
    appellant_role: str,
    appellant_name: str,
    appellant_address: str,
    appellant_mobile: str,
    received_on: datetime.date,
    channel: str,
    actor,
    actor_label: str,
    now,
) -> Grievance:
    """The case, locked, to the next tier, with its annex খ-২ record; the appeal period is
    judged on ``received_on`` and the new tier's clock starts that day."""
    grievance = _locked(grievance)
    _refuse_unless_available(grievance, step, now=now)
    if step == Step.ENTER_APPEAL:
        last_day = appeal_deadline(grievance)
        disposed_on = timezone.localdate(grievance.disposed_at)
        if received_on > last_day:
            raise WorkflowError(
                _("An appeal must be made within %(days)s days of the decision.")
                % {"days": APPEAL_WINDOW_DAYS}
            )
        if received_on < disposed_on:
            raise WorkflowError(_("The appeal cannot have been received before the decision."))
    from_tier = grievance.tier
    decision, disposed_on = grievance.decision, timezone.localdate(grievance.disposed_at)
    _move_up(grievance, today=received_on)
    grievance.save()
    entry = _record(
        grievance,
        kind=Kind.APPEALED,
        from_status=Status.DISPOSED,
        from_tier=from_tier,
        now=now,
        actor=actor,
        actor_label=actor_label,
        internal_note=reason,
    )
    Appeal.objects.create(
        grievance=grievance,
        entry=entry,
        from_tier=from_tier,
        appellant_role=appellant_role,
        appellant_name=appellant_name,
        appellant_address=appellant_address,
        appellant_mobile=appellant_mobile,
        decision_appealed=decision,
        disposed_on=disposed_on,
        grounds=reason,
        channel=channel,
        received_on=received_on,
        created_at=now,
    )
    notifications.queue_for_step(grievance, entry, now=now)
    return grievance


def appeal(
    *,
    grievance: Grievance,
    reason: str,
    appellant_role: str = Appeal.AppellantRole.COMPLAINANT,
    appellant_name: str = "",
    appellant_address: str = "",
    appellant_mobile: str = "",
    now=None,
) -> Grievance:
    """An appeal on the tracking page against a disposal, within 30 days, to the next tier
    (annex খ-২: who appeals, their details, the grounds; the decision is the case's)."""
    now = _now(now)
    if not reason.strip():
        raise WorkflowError(_("Give the reason for the appeal."))
    problem = _appellant_problem(appellant_role, appellant_name)
    if problem:
        raise WorkflowError(problem)
    with transaction.atomic():
        return _take_appeal(
            grievance,
            step=Step.APPEAL,
            reason=reason,
            appellant_role=appellant_role,
            appellant_name=appellant_name,
            appellant_address=appellant_address,
            appellant_mobile=appellant_mobile,
            received_on=timezone.localdate(now),
            channel=Appeal.Channel.WEB,
            actor=None,
            actor_label=str(
                _("Complainant")
                if appellant_role == Appeal.AppellantRole.COMPLAINANT
                else Appeal.AppellantRole(appellant_role).label
            ),
            now=now,
        )


def enter_appeal(
    *,
    grievance: Grievance,
    actor,
    received_on: datetime.date,
    reason: str,
    appellant_role: str = Appeal.AppellantRole.COMPLAINANT,
    appellant_name: str = "",
    appellant_address: str = "",
    appellant_mobile: str = "",
    now=None,
) -> Grievance:
    """Staff enter an appeal that came on paper (annex খ-২), with the day it was received:
    the 30 days are judged on that day, and the next tier's clock starts on it."""
    now = _now(now)
    if received_on > timezone.localdate(now):
        raise WorkflowError(_("The date of receipt cannot be in the future."))
    if not reason.strip():
        raise WorkflowError(_("Give the reason for the appeal."))
    problem = _appellant_problem(appellant_role, appellant_name)
    if problem:
        raise WorkflowError(problem)
    with transaction.atomic():
        return _take_appeal(
            grievance,
            step=Step.ENTER_APPEAL,
            reason=reason,
            appellant_role=appellant_role,
            appellant_name=appellant_name,
            appellant_address=appellant_address,
            appellant_mobile=appellant_mobile,
            received_on=received_on,
            channel=Appeal.Channel.PAPER,
            actor=actor,
            actor_label="",
            now=now,
        )


def propose_blacklisting(
    *,
    grievance: Grievance,
    actor,
    reason: str,
    mobile: bool = True,
    id_number: bool = False,
    now=None,
) -> list[BlacklistRecord]:
    """Guideline §8: the GRO proposes the case's mobile number and/or ID number as a source
    of false or harassing complaints; the appeal officer confirms or turns it down
    (``confirm_blacklisting``, ``reject_blacklisting``). Nothing changes for complaints
    until it is confirmed. Numbers already proposed or confirmed are left as they are."""
    now = _now(now)
    if not reason.strip():
        raise WorkflowError(_("Give the reason: which complaints were false or harassing."))
    with transaction.atomic():
        grievance = _locked(grievance)
        _refuse_unless_available(grievance, Step.PROPOSE_BLACKLISTING, now=now)
        wanted = []
        if mobile and grievance.mobile:
            wanted.append((BlacklistRecord.IdentifierType.MOBILE, grievance.mobile))
        if id_number and grievance.id_type and grievance.id_number:
            wanted.append((grievance.id_type, grievance.id_number))
        if not wanted:
            raise WorkflowError(_("Choose the mobile number or the ID number (the case has it)."))
        records = []
        for identifier_type, identifier in wanted:
            current = blacklist.state(
                office=grievance.office, identifier_type=identifier_type, identifier=identifier
            )
            if current in (BlacklistRecord.Action.PROPOSED, BlacklistRecord.Action.CONFIRMED):
                continue
            records.append(
                BlacklistRecord.objects.create(
                    office=grievance.office,
                    identifier_type=identifier_type,
                    identifier=identifier,
                    action=BlacklistRecord.Action.PROPOSED,
                    grievance=grievance,
                    reason=reason,
                    actor=actor,
                    actor_label=_actor_label(actor),
                    created_at=now,
                )
            )
        if not records:
            raise WorkflowError(_("These numbers are already proposed or on the blacklist."))
    return records


# The state each decision of the appeal officer moves a blacklist entry from.
BLACKLIST_DECISIONS = {
    BlacklistRecord.Action.CONFIRMED: (BlacklistRecord.Action.PROPOSED,),
    BlacklistRecord.Action.REJECTED: (BlacklistRecord.Action.PROPOSED,),
    BlacklistRecord.Action.LIFTED: (BlacklistRecord.Action.CONFIRMED,),
}


def decide_blacklisting(
    *, record: BlacklistRecord, action: str, actor, reason: str = "", now=None
) -> BlacklistRecord:
    """The appeal officer confirms or turns down a proposal, or lifts a confirmed entry, for
    the number ``record`` names. Open complaints from that number at that office are
    flagged (or no longer flagged) for the GRO."""
    now = _now(now)
    if action not in BLACKLIST_DECISIONS:
        raise WorkflowError(_("Not a decision on the blacklist."))
    key = {
        "office": record.office,
        "identifier_type": record.identifier_type,
        "identifier": record.identifier,
    }
    with transaction.atomic():
        current = blacklist.state(**key, lock=True)
        if current not in BLACKLIST_DECISIONS[action]:
            raise WorkflowError(
                _("%(number)s is not waiting for this decision (now: %(state)s).")
                % {
                    "number": record.identifier,
                    "state": BlacklistRecord.Action(current).label
                    if current
                    else _("not on the blacklist"),
                }
            )
        decided = BlacklistRecord.objects.create(
            **key,
            action=action,
            grievance=record.grievance,
            reason=reason,
            actor=actor,
            actor_label=_actor_label(actor),
            created_at=now,
        )
        blacklist.refresh_flags(**key)
    return decided


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


def escalation_day(missed_deadline: datetime.date) -> datetime.date:
    """The day a case that let ``missed_deadline`` pass reaches the next tier: the next day.

    The guideline: a deadline is the end of the Nth working day after receipt, the day of
    receipt not counted. A tier that has not disposed the case by the end of its deadline
    day loses it at that moment, so the next tier receives it on the following day, and that
    day of receipt does not count either: the new deadline is the new tier's limit in
    working days *after* it, ``calendar.add_working_days(escalation_day(d), limit)``. (When
    the day after the deadline is a Friday, Saturday or holiday this equals counting from the
    deadline itself.) This is what the sweep has always given a case it moved in the small
    hours of that day; a sweep that runs late, or is run ``--as-of`` a later day, gives the
    same dates.
    """
    return missed_deadline + datetime.timedelta(days=1)


def _sweep_now(today: datetime.date, now: datetime.datetime | None) -> datetime.datetime:
    """When a sweep's timeline entries and messages are written: ``now`` if given; the
    present moment for a run as of today; for a run as of another day (``--as-of``, a test's
    later day), the start of that day in Asia/Dhaka, so its entries carry that date."""
    if now is not None:
        return now
    if today == calendar.today():
        return timezone.now()
    zone = timezone.get_default_timezone()
    return datetime.datetime.combine(today, datetime.time.min, tzinfo=zone)


def escalate(*, grievance: Grievance, today: datetime.date, now=None) -> Grievance:
    """Move one overdue case up a tier (the sweep below does the same for many at once).

    The new tier starts on ``escalation_day`` (the day after the missed deadline), whatever
    ``today`` is; the timeline entry is written at ``now`` with that day as ``effective_on``.
    """
    now = _sweep_now(today, now)
    with transaction.atomic():
        grievance = _locked(grievance)
        _refuse_unless(grievance, Grievance.OPEN_STATUSES)
        if grievance.tier >= GrsTier.Level.CABINET_CELL:
            raise WorkflowError(_("There is no higher tier to escalate to."))
        if grievance.is_paused(today):
            raise WorkflowError(_("The complaint is waiting for information: its clock is paused."))
        if not grievance.deadline < today:
            raise WorkflowError(_("The complaint is not overdue yet."))
        from_status, from_tier = grievance.status, grievance.tier
        started = escalation_day(grievance.deadline)
        _move_up(grievance, today=started)
        grievance.save()
        entry = _record(
            grievance,
            kind=Kind.ESCALATED,
            from_status=from_status,
            from_tier=from_tier,
            now=now,
            actor_label=str(_("System")),
            effective_on=started,
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
    "deadline",
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
    officer and deadline per (office, tier, missed deadline), bulk-create timeline entries
    and messages. Running it again, or twice at once, moves no case twice: a moved case has
    a new deadline after the day it was missed. A paused clock (waiting for the
    complainant's information until the reply deadline) is never overdue, so never moved.

    Catching up: every case moves as a run on the day after its deadline would have moved
    it, however late this run is (``escalation_day``): the new tier starts the day after
    the missed deadline and its deadline counts from there. A case whose new deadline has
    passed by ``today`` too moves on in the same run (tier 2 to the cell), as daily runs
    would have moved it. The timeline entries are written at the run's moment
    (``_sweep_now``: for a run as of another day, that day) and say in ``effective_on`` the
    day each escalation took effect.
    """
    now = _sweep_now(today, now)
    result = EscalationResult(today=today, dry_run=dry_run)
    if dry_run:
        overdue = Grievance.objects.overdue(today).filter(tier__lt=GrsTier.Level.CABINET_CELL)
        counts = overdue.order_by().values("tier").annotate(cases=Count("pk"))
        result.by_tier.update({row["tier"]: row["cases"] for row in counts})
        return result
    stuck: set[int] = set()
    # Tiers only go up, and the cell's tier is the last: at most two moves for one case.
    for _pass in range(GrsTier.Level.CABINET_CELL - GrsTier.Level.GRO):
        if not _escalation_pass(
            today=today, now=now, result=result, stuck=stuck, batch_size=batch_size
        ):
            break
    return result


def _escalation_pass(*, today, now, result: EscalationResult, stuck: set, batch_size) -> bool:
    """One pass of ``escalate_overdue``: the cases overdue now move up one tier. True if a
    case it moved is overdue at its new tier too (a run catching up after weeks)."""
    overdue = Grievance.objects.overdue(today).filter(tier__lt=GrsTier.Level.CABINET_CELL)
    again = False
    with transaction.atomic():
        if connection.features.has_select_for_update_skip_locked:
            overdue = overdue.select_for_update(skip_locked=True)
        rows = list(overdue.order_by("pk").values_list(*ESCALATION_FIELDS, named=True))
        groups = defaultdict(list)
        for row in rows:
            groups[(row.office_id, row.tier, row.deadline)].append(row)
        offices = Office.objects.in_bulk({office_id for office_id, _tier, _day in groups})
        uppers: dict[tuple[int, int], TierInfo | None] = {}
        deadlines: dict[tuple[int, datetime.date], datetime.date] = {}
        entries = []
        moved = []
        referred = []
        for (office_id, level, missed), group in groups.items():
            if (office_id, level) not in uppers:
                try:
                    uppers[(office_id, level)] = tier_info(
                        office=offices[office_id], level=level + 1
                    )
                except WorkflowError:
                    uppers[(office_id, level)] = None
            upper = uppers[(office_id, level)]
            if upper is None:
                # One office's incomplete GRS table must not stop every other office's cases.
                new = [row for row in group if row.pk not in stuck]
                if new:
                    logger.error(
                        "Office %s has no GRS tier %s: %s case(s) not escalated",
                        office_id,
                        level + 1,
                        len(new),
                    )
                    result.stuck[(offices[office_id], level)] += len(new)
                    stuck.update(row.pk for row in new)
                continue
            started = escalation_day(missed)
            key = (upper.working_days, started)
            if key not in deadlines:
                deadlines[key] = calendar.add_working_days(started, upper.working_days)
            deadline = deadlines[key]
            at_cell = upper.level == GrsTier.Level.CABINET_CELL
            to_status = Status.CABINET_CELL if at_cell else Status.RECEIVED
            for chunk in _chunks([row.pk for row in group], batch_size):
                Grievance.objects.filter(
                    pk__in=chunk, tier=level, deadline=missed, status__in=Grievance.OPEN_STATUSES
                ).update(
                    tier=upper.level,
                    status=to_status,
                    handling_officer=upper.officer,
                    tier_started_on=started,
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
                    to_status=to_status,
                    from_tier=level,
                    to_tier=upper.level,
                    deadline=deadline,
                    effective_on=started,
                )
                for row in group
            )
            if upper.level == GrsTier.Level.CABINET_CELL:
                referred.append((offices[office_id], group))
            else:
                moved.append((upper, deadline, group))
            result.by_tier[level] += len(group)
            again = again or (deadline < today and upper.level < GrsTier.Level.CABINET_CELL)
        TimelineEntry.objects.bulk_create(entries, batch_size=batch_size)
        notifications.queue_escalations(moved, now=now, batch_size=batch_size)
        notifications.queue_cell_referrals(referred, now=now, batch_size=batch_size)
    return again


# ---------------------------------------------------------------------------- information


def close_for_want_of_information(
    *, grievance: Grievance, actor, note: str = "", now=None
) -> Grievance:
    """The complainant did not answer by the reply deadline: the officer disposes the case
    as "closed for want of information". It is a decision like any other: the complainant
    is told, may appeal it within 30 days and may still rate it; it counts as a disposal in
    the monthly report and the public figures."""
    now = _now(now)
    with transaction.atomic():
        grievance = _locked(grievance)
        _refuse_unless_available(grievance, Step.CLOSE_FOR_WANT_OF_INFORMATION, now=now)
        with translation.override(grievance.language):
            decision = str(
                _(
                    "Closed for want of information: the information the office asked for on "
                    "%(asked)s did not come by %(due)s."
                )
                % {
                    "asked": local_date(grievance.paused_on),
                    "due": local_date(grievance.information_due),
                }
            )
        grievance.paused_on = grievance.working_days_left_when_paused = None
        grievance.information_due = None
        _mark_disposed(
            grievance,
            decision=decision,
            kind=Grievance.DisposalKind.NO_INFORMATION,
            now=now,
            also=["paused_on", "working_days_left_when_paused", "information_due"],
        )
        entry = _record(
            grievance,
            kind=Kind.DISPOSED,
            from_status=Status.AWAITING_INFORMATION,
            from_tier=grievance.tier,
            now=now,
            actor=actor,
            public_note=decision,
            internal_note=note,
        )
        notifications.queue_for_step(grievance, entry, now=now)
    return grievance


# ---------------------------------------------------------------------------- tier 3


def tier_row(*, office: Office, level: int) -> GrsTier | None:
    """The GRS table row ``tier_info`` reads for ``office`` and ``level`` (its contact
    address, its time limit), or None when no published table has it."""
    current = office
    seen = set()
    while current is not None and current.pk not in seen:
        seen.add(current.pk)
        row = _published_tiers(level).filter(charter__office=current).select_related("officer")
        row = row.first()
        if row is not None:
            return row
        current = current.parent
    return None


def record_cell_decision(
    *,
    grievance: Grievance,
    actor,
    decision: str,
    decided_on: datetime.date,
    note: str = "",
    now=None,
) -> Grievance:
    """Staff record the decision the Cabinet Division's cell sent on ``decided_on``: the
    case is disposed at tier 3 (there is no higher tier to appeal to; it can be closed).
    The cell tells the complainant itself; the case page shows the decision."""
    now = _now(now)
    if not decision.strip():
        raise WorkflowError(_("Write the cell's decision."))
    if decided_on > timezone.localdate(now):
        raise WorkflowError(_("The date of the decision cannot be in the future."))
    with transaction.atomic():
        grievance = _locked(grievance)
        _refuse_unless_available(grievance, Step.RECORD_CELL_DECISION, now=now)
        if decided_on < grievance.tier_started_on:
            raise WorkflowError(
                _("The cell cannot have decided before the complaint reached tier 3, on %(date)s.")
                % {"date": local_date(grievance.tier_started_on)}
            )
        _mark_disposed(grievance, decision=decision, kind=Grievance.DisposalKind.DECIDED, now=now)
        _record(
            grievance,
            kind=Kind.CELL_DECISION_RECORDED,
            from_status=Status.CABINET_CELL,
            from_tier=grievance.tier,
            now=now,
            actor=actor,
            public_note=decision,
            internal_note=note,
            effective_on=decided_on,
        )
    return grievance


def record_cell_summary_emailed(*, grievance_id: int, recipient: str, now) -> None:
    """The outbox delivered the case summary to the cell's address
    (``settings.GRS_CABINET_CELL_EMAIL``): the timeline says so, when it happened."""
    grievance = Grievance.objects.filter(pk=grievance_id).first()
    if grievance is None:
        return
    _record(
        grievance,
        kind=Kind.CELL_SUMMARY_EMAILED,
        from_status=grievance.status,
        from_tier=grievance.tier,
        now=now,
        actor_label=str(_("System")),
        public_note=recipient,
    )


# ---------------------------------------------------------------------------- delivery


def flag_complainant_not_informed(*, grievance_id: int, reason: str, now) -> None:
    """Put the case on the GRO's list as "complainant not informed" (admin's filter and the
    case page), with the reason in the timeline."""
    grievance = Grievance.objects.filter(pk=grievance_id).first()
    if grievance is None:
        return
    grievance.complainant_not_informed = True
    Grievance.objects.filter(pk=grievance_id).update(complainant_not_informed=True)
    _record(
        grievance,
        kind=Kind.COMPLAINANT_NOT_INFORMED,
        from_status=grievance.status,
        from_tier=grievance.tier,
        now=now,
        actor_label=str(_("System")),
        internal_note=reason,
    )


def record_complainant_informed(*, grievance: Grievance, actor, note: str, now=None) -> Grievance:
    """The office told the complainant another way (a call, a letter): the case leaves the
    "complainant not informed" list; ``note`` says how."""
    now = _now(now)
    if not note.strip():
        raise WorkflowError(_("Say how and when the complainant was told."))
    with transaction.atomic():
        grievance = _locked(grievance)
        _refuse_unless_available(grievance, Step.RECORD_COMPLAINANT_INFORMED, now=now)
        grievance.complainant_not_informed = False
        grievance.save(update_fields=["complainant_not_informed", "updated_at"])
        _record(
            grievance,
            kind=Kind.COMPLAINANT_INFORMED,
            from_status=grievance.status,
            from_tier=grievance.tier,
            now=now,
            actor=actor,
            internal_note=note,
        )
    return grievance


def check_decision_notices(*, today: datetime.date, now=None, batch_size: int = 500) -> int:
    """The guideline's rule that the complainant is told a decision within 7 working days
    of it, checked by the hourly sweep; returns how many cases it flagged.

    A disposal sets ``decision_notice_due`` (7 working days after the day of the decision,
    ``_record``). Once that day is over, the case is checked once: an SMS or e-mail about the
    decision (``notifications.decision_message_keys``) sent to the complainant by the end of
    that day, or the complainant's own appeal or rating since the decision, shows they
    knew; otherwise the case is flagged "complainant not informed". Either way the due date
    is cleared, so a run that was down for days catches up and a second run does nothing.
    """
    now = _sweep_now(today, now)
    zone = timezone.get_default_timezone()
    flagged = 0
    while True:
        with transaction.atomic():
            due = Grievance.objects.filter(decision_notice_due__lt=today).order_by("pk")
            if connection.features.has_select_for_update_skip_locked:
                due = due.select_for_update(skip_locked=True)
            cases = list(due.values_list("pk", "decision_notice_due")[:batch_size])
            if not cases:
                return flagged
            for pk, notice_due in cases:
                decided = (
                    TimelineEntry.objects.filter(grievance_id=pk, kind=Kind.DISPOSED)
                    .order_by("-created_at", "-pk")
                    .values_list("pk", "created_at")
                    .first()
                )
                end = datetime.datetime.combine(
                    notice_due + datetime.timedelta(days=1), datetime.time.min, tzinfo=zone
                )
                informed = decided is None or (
                    OutboxMessage.objects.filter(
                        dedup_key__in=notifications.decision_message_keys(decided[0]),
                        status=OutboxMessage.Status.SENT,
                        sent_at__lt=end,
                    ).exists()
                    or TimelineEntry.objects.filter(
                        grievance_id=pk,
                        kind__in=(Kind.APPEALED, Kind.RATED),
                        created_at__gte=decided[1],
                    ).exists()
                )
                if not informed:
                    with translation.override(settings.LANGUAGE_CODE):  # for the office
                        reason = str(
                            _(
                                "No message about the decision of %(date)s reached the "
                                "complainant within %(days)s working days (by %(due)s)."
                            )
                            % {
                                "date": local_date(timezone.localdate(decided[1])),
                                "days": digits(DECISION_NOTICE_WORKING_DAYS),
                                "due": local_date(notice_due),
                            }
                        )
                    flag_complainant_not_informed(grievance_id=pk, reason=reason, now=now)
                    flagged += 1
            Grievance.objects.filter(pk__in=[pk for pk, _due in cases]).update(
                decision_notice_due=None
            )


@dataclass
class SweepResult:
    escalation: EscalationResult
    reminders: int = 0
    not_informed: int = 0


def sweep(*, today: datetime.date, now=None) -> SweepResult:
    """The hourly sweep (``tasks.escalate_overdue_cases``; ``escalate_grievances``): the
    escalations, one reminder before each reply deadline of a request for information
    (``notifications.queue_information_reminders``), and the check that complainants were
    told their decisions within 7 working days (``check_decision_notices``). Each part is
    safe to run twice at once and catches up after missed runs. For a run as of another day
    everything is written at the start of that day (``_sweep_now``)."""
    if now is None and today != calendar.today():
        now = _sweep_now(today, None)
    escalation = escalate_overdue(today=today, now=now)
    reminders = notifications.queue_information_reminders(today=today, now=now)
    flagged = check_decision_notices(today=today, now=now)
    return SweepResult(escalation=escalation, reminders=reminders, not_informed=flagged)
