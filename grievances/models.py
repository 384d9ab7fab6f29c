import datetime
import uuid

from django.conf import settings
from django.core.files.storage import FileSystemStorage, storages
from django.core.signals import setting_changed
from django.db import models
from django.db.models import Q
from django.dispatch import receiver
from django.utils.functional import LazyObject, cached_property, empty
from django.utils.translation import gettext_lazy as _

from services.models import GrsTier, Office, Officer, Service, StaffMembership


class Holiday(models.Model):
    """A government holiday: not a working day. Staff correct the seeded dates each year."""

    date = models.DateField(_("date"), unique=True)
    name = models.CharField(_("name"), max_length=200)

    class Meta:
        verbose_name = _("holiday")
        verbose_name_plural = _("holidays")
        ordering = ["date"]

    def __str__(self):
        return f"{self.date:%Y-%m-%d} {self.name}"


class HolidayYear(models.Model):
    """A year whose holiday calendar a holiday editor has checked against the government's
    list (the `holidays` package misses some holidays and estimates the lunar ones); until
    then admin warns that deadlines may count a holiday as a working day."""

    year = models.PositiveSmallIntegerField(_("year"), unique=True)
    confirmed_at = models.DateTimeField(_("confirmed at"))
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("confirmed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("confirmed holiday calendar")
        verbose_name_plural = _("confirmed holiday calendars")
        ordering = ["year"]

    def __str__(self):
        return str(self.year)


class StaffProfileManager(models.Manager):
    def create(self, *, offices=(), office=None, office_id=None, **kwargs):
        """A profile and the user's office memberships (``services.StaffMembership``) in one
        call: ``offices`` (offices or ids), or one ``office`` / ``office_id``."""
        profile = super().create(**kwargs)
        wanted = [*offices, *(o for o in (office, office_id) if o is not None)]
        for one in wanted:
            office_pk = one.pk if isinstance(one, Office) else one
            StaffMembership.objects.get_or_create(user_id=profile.user_id, office_id=office_pk)
        return profile


class StaffProfile(models.Model):
    """The post a staff user holds: they see and act on the complaints whose current tier
    names that officer (``handling_officer``), in any office. The offices they belong to
    are their ``services.StaffMembership`` rows (see ``grievances.access``)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="grs_profile",
    )
    officer = models.ForeignKey(
        Officer,
        verbose_name=_("post held"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="staff_profiles",
        help_text=_(
            "The officer record of the post this user holds: they handle the complaints the "
            "grievance redress tables address to it, in whichever office."
        ),
    )

    objects = StaffProfileManager()

    class Meta:
        verbose_name = _("staff profile")
        verbose_name_plural = _("staff profiles")

    def __str__(self):
        return str(self.user)

    @property
    def offices(self):
        """The offices the user belongs to."""
        return Office.objects.filter(staff_memberships__user_id=self.user_id)


class GrievanceQuerySet(models.QuerySet):
    def open(self):
        return self.filter(status__in=Grievance.OPEN_STATUSES)

    def paused(self, today: datetime.date):
        """Cases whose clock is paused on ``today``: waiting for information the complainant
        may still send before the reply deadline (the clock resumes after it)."""
        return self.filter(status=Grievance.Status.AWAITING_INFORMATION, information_due__gte=today)

    def overdue(self, today: datetime.date):
        """Open cases whose tier deadline has passed: overdue the day after the deadline.
        A paused clock is never overdue (its deadline is after the reply deadline anyway),
        nor a case at the Cabinet Division cell (not open here)."""
        return (
            self.open()
            .filter(deadline__lt=today)
            .exclude(status=Grievance.Status.AWAITING_INFORMATION, information_due__gte=today)
        )

    def due_by(self, day: datetime.date):
        return self.open().filter(deadline__lte=day)


class Grievance(models.Model):
    class ComplaintType(models.TextChoices):
        CITIZEN = "citizen", _("Citizen's complaint")
        OFFICIAL = "official", _("Official complaint")
        STAFF = "staff", _("Staff complaint")

    class IdType(models.TextChoices):
        NATIONAL_ID = "nid", _("National ID")
        BIRTH_REGISTRATION = "birth", _("Birth registration")
        PASSPORT = "passport", _("Passport")

    class RecipientRelation(models.TextChoices):
        """Annex খ-১: who the service recipient is to the complainant."""

        SELF = "self", _("Self")
        REPRESENTATIVE = "representative", _("Representative of an institution")
        RELATIVE = "relative", _("Relative")

    class Gender(models.TextChoices):
        FEMALE = "female", _("Female")
        MALE = "male", _("Male")
        THIRD = "third", _("Third gender")

    class DisposalKind(models.TextChoices):
        DECIDED = "decided", _("Decided")
        # Guideline §8: a complaint from a confirmed blacklisted number or ID, declined by
        # the GRO with a reason the complainant sees; appealable like any disposal.
        DECLINED = "declined", _("Declined")
        # The complainant did not answer a request for information by its reply deadline;
        # appealable like any disposal.
        NO_INFORMATION = "no_information", _("Closed for want of information")

    class Channel(models.TextChoices):
        WEB = "web", _("Web form")
        API = "api", _("API")
        STAFF = "staff", _("Entered by staff")
        # Entered by staff from a complaint that came by post, by phone or at the front desk.
        POST = "post", _("By post (entered by staff)")
        PHONE = "phone", _("By phone (entered by staff)")
        DESK = "desk", _("At the front desk (entered by staff)")

    class Status(models.TextChoices):
        RECEIVED = "received", _("Received")
        IN_PROGRESS = "in_progress", _("In progress")
        AWAITING_INFORMATION = "awaiting_information", _("Waiting for information")
        FORWARDED = "forwarded", _("Forwarded to another office")
        DISPOSED = "disposed", _("Disposed")
        CLOSED = "closed", _("Closed")
        # Tier 3: the Cabinet Division's grievance management cell, which works outside this
        # system (grs.gov.bd). Not open here: this office's clock has stopped, and the case is
        # never overdue in its figures; staff record the cell's decision when it arrives.
        CABINET_CELL = "cabinet_cell", _("For the Cabinet Division cell")

    OPEN_STATUSES = (
        Status.RECEIVED,
        Status.IN_PROGRESS,
        Status.AWAITING_INFORMATION,
        Status.FORWARDED,
    )

    tracking_number = models.CharField(_("tracking number"), max_length=20, unique=True)
    complaint_type = models.CharField(
        _("complaint type"), max_length=20, choices=ComplaintType.choices
    )
    is_anonymous = models.BooleanField(_("anonymous"), default=False)
    name = models.CharField(_("name"), max_length=200, blank=True)
    id_type = models.CharField(_("ID type"), max_length=20, choices=IdType.choices, blank=True)
    id_number = models.CharField(_("ID number"), max_length=30, blank=True)
    permanent_address = models.TextField(_("permanent address"), blank=True)
    present_address = models.TextField(_("present address"), blank=True)
    mobile = models.CharField(_("mobile number"), max_length=11, blank=True, db_index=True)
    email = models.EmailField(_("e-mail"), blank=True)
    # Filed on the web after the mobile number's daily count of complaints
    # (GRS_RATE_LIMITS["submit_mobile"]) by a browser that had not confirmed the number with
    # an SMS code: accepted, but it may not come from the number's owner.
    many_from_same_mobile = models.BooleanField(
        _("many complaints from this mobile number"),
        default=False,
        help_text=_(
            "Filed after several other complaints with the same mobile number within a day, "
            "by someone who had not confirmed the number with an SMS code. Someone else may "
            "be using the number."
        ),
    )
    language = models.CharField(
        _("language"), max_length=8, choices=settings.LANGUAGES, default="bn"
    )

    office = models.ForeignKey(
        Office, verbose_name=_("office"), on_delete=models.PROTECT, related_name="grievances"
    )
    service = models.ForeignKey(
        Service,
        verbose_name=_("service"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="grievances",
    )
    other_service = models.CharField(_("other service"), max_length=300, blank=True)
    service_applied_on = models.DateField(_("date the service was applied for"), null=True)
    service_tracking_number = models.CharField(
        _("the service's tracking number"), max_length=60, blank=True
    )
    office_has_decided = models.BooleanField(_("the office has already decided"), default=False)
    # Annex খ-১'s further fields. The service recipient, when not the complainant.
    recipient_name = models.CharField(_("service recipient's name"), max_length=200, blank=True)
    recipient_relation = models.CharField(
        _("service recipient's relation"),
        max_length=20,
        choices=RecipientRelation.choices,
        blank=True,
    )
    date_of_birth = models.DateField(_("date of birth"), null=True, blank=True)
    gender = models.CharField(_("gender"), max_length=10, choices=Gender.choices, blank=True)
    education = models.CharField(_("educational qualification"), max_length=200, blank=True)
    occupation = models.CharField(_("occupation"), max_length=200, blank=True)
    # An official (দাপ্তরিক) complaint: the office complaining and the officer writing.
    complaining_office = models.CharField(_("complaining office"), max_length=300, blank=True)
    complaining_office_address = models.TextField(_("complaining office's address"), blank=True)
    writing_officer = models.CharField(
        _("officer writing (name and designation)"), max_length=300, blank=True
    )
    remedy_sought = models.TextField(_("remedy sought"), blank=True)
    prevention = models.TextField(_("how to prevent it happening again"), blank=True)
    declaration = models.BooleanField(
        _("declaration made"),
        default=False,
        help_text=_("The complainant declared the information true (annex খ-১)."),
    )
    # Guideline §8: filed with a mobile number or ID the appeal officer confirmed as a source
    # of false or harassing complaints. Received all the same; the GRO may decline it.
    blacklisted = models.BooleanField(
        _("from a blacklisted number or ID"),
        default=False,
        help_text=_(
            "The mobile number or ID was confirmed as having filed false or harassing "
            "complaints. The complaint is received; the GRO may decline it with a reason."
        ),
    )
    # The web form's one-time token: a resent form (double click, refresh) finds this case
    # instead of filing a second one.
    submission_token = models.CharField(
        max_length=64, null=True, blank=True, unique=True, editable=False
    )
    subject = models.CharField(_("subject"), max_length=200)
    description = models.TextField(_("description"))
    channel = models.CharField(
        _("received via"), max_length=10, choices=Channel.choices, default=Channel.WEB
    )
    received_at = models.DateTimeField(_("received at"))

    tier = models.PositiveSmallIntegerField(
        _("tier"), choices=GrsTier.Level.choices, default=GrsTier.Level.GRO
    )
    status = models.CharField(
        _("status"), max_length=24, choices=Status.choices, default=Status.RECEIVED
    )
    handling_officer = models.ForeignKey(
        Officer,
        verbose_name=_("handling officer"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="grievances",
    )
    tier_started_on = models.DateField(_("tier started on"))
    deadline = models.DateField(_("deadline"))
    investigation_ordered = models.BooleanField(_("investigation ordered"), default=False)
    decision = models.TextField(_("decision"), blank=True)
    disposal_kind = models.CharField(
        _("kind of disposal"), max_length=20, choices=DisposalKind.choices, blank=True
    )
    disposed_at = models.DateTimeField(_("disposed at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    # A request for information pauses the tier's clock (``workflow.request_information``):
    # the day it was asked, the working days the tier had left then, and the reply deadline.
    # Meaningful only while the status is "awaiting information"; ``deadline`` meanwhile is
    # the latest it can be (the clock resuming on the reply deadline).
    information_due = models.DateField(_("information due by"), null=True, blank=True)
    paused_on = models.DateField(_("clock paused on"), null=True, blank=True)
    working_days_left_when_paused = models.PositiveSmallIntegerField(
        _("working days left when paused"), null=True, blank=True
    )
    # Delivery the GRO can trust: a message to the complainant failed for good, or no
    # message about a decision reached them within 7 working days of it (guideline).
    complainant_not_informed = models.BooleanField(
        _("complainant not informed"),
        default=False,
        help_text=_(
            "A message to the complainant could not be delivered, or no message about the "
            "decision reached them within 7 working days. Tell them another way, then record it."
        ),
    )
    # The last day the complainant must have been told of the latest decision; cleared by the
    # sweep once it has checked (``workflow.check_decision_notices``).
    decision_notice_due = models.DateField(
        _("decision to be told by"), null=True, blank=True, db_index=True
    )
    updated_at = models.DateTimeField(_("last updated"), auto_now=True)

    objects = GrievanceQuerySet.as_manager()

    class Meta:
        verbose_name = _("complaint")
        verbose_name_plural = _("complaints")
        ordering = ["deadline", "pk"]
        indexes = [
            models.Index(fields=["status", "deadline"], name="grievance_status_deadline"),
            models.Index(fields=["tier", "office"], name="grievance_tier_office"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(tier__in=[1, 2, 3]), name="grievance_tier_valid"),
            models.CheckConstraint(
                condition=Q(
                    status__in=[
                        "received",
                        "in_progress",
                        "awaiting_information",
                        "forwarded",
                        "disposed",
                        "closed",
                        "cabinet_cell",
                    ]
                ),
                name="grievance_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(deadline__gt=models.F("tier_started_on")),
                name="grievance_deadline_after_tier_start",
            ),
            models.CheckConstraint(
                condition=Q(is_anonymous=True) | ~Q(mobile=""),
                name="grievance_named_has_mobile",
            ),
            models.CheckConstraint(
                condition=Q(is_anonymous=False)
                | Q(name="", id_number="", mobile="", email="", permanent_address=""),
                name="grievance_anonymous_has_no_personal_data",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["disposed", "closed"])
                | (~Q(decision="") & Q(disposed_at__isnull=False)),
                name="grievance_disposal_has_decision",
            ),
        ]

    def __str__(self):
        return self.tracking_number

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES

    def is_paused(self, today: datetime.date) -> bool:
        """Whether the tier's clock is paused on ``today`` for the complainant's information."""
        return (
            self.status == self.Status.AWAITING_INFORMATION
            and self.information_due is not None
            and today <= self.information_due
        )

    def is_overdue(self, today: datetime.date) -> bool:
        return self.is_open and self.deadline < today and not self.is_paused(today)


class PrivateFileSystemStorage(FileSystemStorage):
    """Attachments on this server's disk, under ``PRIVATE_MEDIA_ROOT`` (outside MEDIA_ROOT),
    with no URL: the default ``STORAGES["attachments"]`` for a single server."""

    def __init__(self, location=None, directory_permissions_mode=0o700, **kwargs):
        super().__init__(
            location=location, directory_permissions_mode=directory_permissions_mode, **kwargs
        )

    @cached_property
    def base_location(self):
        return self._value_or_setting(self._location, settings.PRIVATE_MEDIA_ROOT)

    def _clear_cached_properties(self, setting, **kwargs):
        super()._clear_cached_properties(setting, **kwargs)
        if setting == "PRIVATE_MEDIA_ROOT":
            self.__dict__.pop("base_location", None)
            self.__dict__.pop("location", None)

    def url(self, name):
        raise ValueError("Private files have no URL; the admin serves them to allowed staff.")


class AttachmentStorage(LazyObject):
    """``storages["attachments"]``: the local directory, or an S3-compatible bucket every app
    server reaches (settings.STORAGES). Never a public URL: only an admin view serves them."""

    def _setup(self):
        # First run while this module is imported (FileField checks that its storage is a
        # Storage): the default backend, PrivateFileSystemStorage above, is defined by then.
        self._wrapped = storages["attachments"]


private_storage = AttachmentStorage()


@receiver(setting_changed)
def _attachment_storage_changed(*, setting, **kwargs):
    if setting == "STORAGES":  # tests pointing attachments elsewhere
        private_storage._wrapped = empty


def attachment_path(instance, filename):
    extension = {"image/jpeg": "jpg", "image/png": "png", "application/pdf": "pdf"}[
        instance.content_type
    ]
    return f"grievances/{uuid.uuid4().hex}.{extension}"


def get_private_storage():
    return private_storage


class Attachment(models.Model):
    class ContentType(models.TextChoices):
        JPEG = "image/jpeg", "JPEG"
        PNG = "image/png", "PNG"
        PDF = "application/pdf", "PDF"

    grievance = models.ForeignKey(
        Grievance,
        verbose_name=_("complaint"),
        on_delete=models.CASCADE,
        related_name="attachments",
    )
    file = models.FileField(_("file"), upload_to=attachment_path, storage=get_private_storage)
    original_name = models.CharField(_("original file name"), max_length=200)
    content_type = models.CharField(_("type"), max_length=40, choices=ContentType.choices)
    size = models.PositiveIntegerField(_("size (bytes)"))
    uploaded_at = models.DateTimeField(_("uploaded at"))

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["grievance", "pk"]

    def __str__(self):
        return self.original_name


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise TypeError("Timeline entries are never rewritten.")

    def delete(self):
        raise TypeError("Timeline entries are never deleted.")


class TimelineEntry(models.Model):
    """One step of a case: append-only, the record the guideline asks for (who, when, what)."""

    class Kind(models.TextChoices):
        SUBMITTED = "submitted", _("Complaint received")
        STARTED = "started", _("Work started")
        INFORMATION_REQUESTED = "information_requested", _("Information requested")
        INFORMATION_RECEIVED = "information_received", _("Information received")
        FORWARDED = "forwarded", _("Forwarded to another office")
        HEARING_SCHEDULED = "hearing_scheduled", _("Hearing scheduled")
        HEARING_RECORDED = "hearing_recorded", _("Hearing held")
        INVESTIGATION_ORDERED = "investigation_ordered", _("Investigation ordered")
        INVESTIGATION_REPORTED = "investigation_reported", _("Investigation report received")
        DISPOSED = "disposed", _("Disposed with a decision")
        ESCALATED = "escalated", _("Escalated to the next tier")
        APPEALED = "appealed", _("Appeal received")
        CLOSED = "closed", _("Closed")
        RATED = "rated", _("Complainant rated the disposal")
        CELL_SUMMARY_EMAILED = (
            "cell_summary_emailed",
            _("Case summary e-mailed to the Cabinet Division cell"),
        )
        CELL_DECISION_RECORDED = (
            "cell_decision_recorded",
            _("Decision of the Cabinet Division cell recorded"),
        )
        COMPLAINANT_NOT_INFORMED = "complainant_not_informed", _("Complainant not informed")
        COMPLAINANT_INFORMED = "complainant_informed", _("Complainant informed another way")

    # Steps about the office's own messages: in admin, not on the complainant's case page.
    STAFF_ONLY_KINDS = (Kind.COMPLAINANT_NOT_INFORMED, Kind.COMPLAINANT_INFORMED)

    grievance = models.ForeignKey(
        Grievance, verbose_name=_("complaint"), on_delete=models.PROTECT, related_name="timeline"
    )
    created_at = models.DateTimeField(_("when"))
    kind = models.CharField(_("step"), max_length=30, choices=Kind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    actor_label = models.CharField(_("by (as recorded)"), max_length=200, blank=True)
    from_status = models.CharField(
        _("from status"), max_length=24, choices=Grievance.Status.choices, blank=True
    )
    to_status = models.CharField(_("to status"), max_length=24, choices=Grievance.Status.choices)
    from_tier = models.PositiveSmallIntegerField(
        _("from tier"), choices=GrsTier.Level.choices, null=True, blank=True
    )
    to_tier = models.PositiveSmallIntegerField(_("to tier"), choices=GrsTier.Level.choices)
    public_note = models.TextField(_("note for the complainant"), blank=True)
    internal_note = models.TextField(_("internal note"), blank=True)
    # The tier's deadline once the step was taken (the monthly report reads a past month's
    # deadlines from here), and the day the step took effect when that is not the day it was
    # recorded (a late sweep's escalation, a reply that came on paper, the cell's decision).
    deadline = models.DateField(_("deadline after this step"), null=True, blank=True)
    effective_on = models.DateField(_("took effect on"), null=True, blank=True)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = _("timeline entry")
        verbose_name_plural = _("timeline")
        ordering = ["grievance", "created_at", "pk"]

    def __str__(self):
        return f"{self.grievance_id} {self.get_kind_display()}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise TypeError("Timeline entries are never rewritten.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("Timeline entries are never deleted.")


class Rating(models.Model):
    grievance = models.ForeignKey(
        Grievance, verbose_name=_("complaint"), on_delete=models.CASCADE, related_name="ratings"
    )
    tier = models.PositiveSmallIntegerField(_("tier"), choices=GrsTier.Level.choices)
    satisfied = models.BooleanField(_("satisfied"))
    comment = models.TextField(_("comment"), blank=True)
    created_at = models.DateTimeField(_("rated at"))

    class Meta:
        verbose_name = _("rating")
        verbose_name_plural = _("ratings")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["grievance", "tier"], name="rating_once_per_tier"),
        ]

    def __str__(self):
        return f"{self.grievance_id} {self.tier} {self.satisfied}"


class WrittenOnce(models.Model):
    """A record of a step, like a timeline entry: never rewritten, never deleted."""

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise TypeError(f"{self._meta.verbose_name} records are never rewritten.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError(f"{self._meta.verbose_name} records are never deleted.")


class Appeal(WrittenOnce):
    """An appeal against a disposal, as annex খ-২ asks for it: who appeals, their details,
    the disposal appealed (as it was when appealed) and the grounds; online or on paper,
    with the day it was received (on which the 30-day window is judged)."""

    class AppellantRole(models.TextChoices):
        COMPLAINANT = "complainant", _("The complainant")
        RESPONSIBLE_OFFICER = "responsible_officer", _("The officer responsible for the service")
        ACCUSED_OFFICER = "accused_officer", _("The officer complained against")

    class Channel(models.TextChoices):
        WEB = "web", _("On the tracking page")
        PAPER = "paper", _("On paper (entered by staff)")

    grievance = models.ForeignKey(
        Grievance, verbose_name=_("complaint"), on_delete=models.PROTECT, related_name="appeals"
    )
    entry = models.OneToOneField(
        TimelineEntry, verbose_name=_("timeline entry"), on_delete=models.PROTECT, related_name="+"
    )
    from_tier = models.PositiveSmallIntegerField(
        _("appealed from tier"), choices=GrsTier.Level.choices
    )
    appellant_role = models.CharField(
        _("who appeals"), max_length=30, choices=AppellantRole.choices
    )
    appellant_name = models.CharField(_("appellant's name"), max_length=200, blank=True)
    appellant_address = models.TextField(_("appellant's designation and address"), blank=True)
    appellant_mobile = models.CharField(_("appellant's mobile number"), max_length=11, blank=True)
    decision_appealed = models.TextField(_("decision appealed"))
    disposed_on = models.DateField(_("date of the decision"))
    grounds = models.TextField(_("grounds for the appeal"))
    channel = models.CharField(_("received"), max_length=10, choices=Channel.choices)
    received_on = models.DateField(_("date of receipt"))
    created_at = models.DateTimeField(_("recorded at"))

    class Meta:
        verbose_name = _("appeal")
        verbose_name_plural = _("appeals")
        ordering = ["grievance", "created_at", "pk"]

    def __str__(self):
        return f"{self.grievance_id} {self.received_on:%Y-%m-%d}"


class Hearing(models.Model):
    """A hearing the handling officer called (date, time, place, who is summoned); its
    outcome is recorded afterwards as a step of its own."""

    grievance = models.ForeignKey(
        Grievance, verbose_name=_("complaint"), on_delete=models.PROTECT, related_name="hearings"
    )
    tier = models.PositiveSmallIntegerField(_("tier"), choices=GrsTier.Level.choices)
    starts_at = models.DateTimeField(_("date and time"))
    place = models.CharField(_("place"), max_length=300)
    summoned = models.TextField(_("summoned"))
    scheduled_entry = models.OneToOneField(
        TimelineEntry, on_delete=models.PROTECT, related_name="scheduled_hearing"
    )
    outcome_entry = models.OneToOneField(
        TimelineEntry,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="held_hearing",
    )

    class Meta:
        verbose_name = _("hearing")
        verbose_name_plural = _("hearings")
        ordering = ["grievance", "starts_at", "pk"]

    def __str__(self):
        return f"{self.grievance_id} {self.starts_at:%Y-%m-%d %H:%M}"


class Investigation(models.Model):
    """An investigation the GRO ordered (guideline §7.4.1): the officer investigating, the
    day the report is due and, once it comes, the report (an attachment of the case)."""

    grievance = models.ForeignKey(
        Grievance,
        verbose_name=_("complaint"),
        on_delete=models.PROTECT,
        related_name="investigations",
    )
    investigating_officer = models.CharField(
        _("investigating officer (name and designation)"), max_length=300
    )
    due_on = models.DateField(_("report due on"))
    ordered_entry = models.OneToOneField(
        TimelineEntry, on_delete=models.PROTECT, related_name="ordered_investigation"
    )
    report = models.OneToOneField(
        Attachment,
        verbose_name=_("report"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="investigation",
    )
    report_entry = models.OneToOneField(
        TimelineEntry,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reported_investigation",
    )

    class Meta:
        verbose_name = _("investigation")
        verbose_name_plural = _("investigations")
        ordering = ["grievance", "due_on", "pk"]

    def __str__(self):
        return f"{self.grievance_id} {self.investigating_officer}"


class BlacklistRecord(WrittenOnce):
    """Guideline §8: a step in blacklisting a mobile number or ID number that has filed false
    or harassing complaints with an office. The GRO proposes; the appeal officer confirms or
    turns the proposal down, and may lift a confirmed entry. The latest record for an
    (office, number) is its state; records are never rewritten."""

    class Action(models.TextChoices):
        PROPOSED = "proposed", _("Proposed by the GRO")
        CONFIRMED = "confirmed", _("Confirmed by the appeal officer")
        REJECTED = "rejected", _("Turned down by the appeal officer")
        LIFTED = "lifted", _("Lifted")

    class IdentifierType(models.TextChoices):
        MOBILE = "mobile", _("Mobile number")
        NATIONAL_ID = "nid", _("National ID")
        BIRTH_REGISTRATION = "birth", _("Birth registration")
        PASSPORT = "passport", _("Passport")

    office = models.ForeignKey(
        Office, verbose_name=_("office"), on_delete=models.PROTECT, related_name="+"
    )
    identifier_type = models.CharField(
        _("kind of number"), max_length=10, choices=IdentifierType.choices
    )
    identifier = models.CharField(_("number"), max_length=30)
    action = models.CharField(_("step"), max_length=10, choices=Action.choices)
    grievance = models.ForeignKey(
        Grievance,
        verbose_name=_("complaint"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="blacklist_records",
    )
    reason = models.TextField(_("reason"), blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    actor_label = models.CharField(_("by (as recorded)"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("when"))

    class Meta:
        verbose_name = _("blacklist record")
        verbose_name_plural = _("blacklist")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(
                fields=["office", "identifier_type", "identifier", "created_at"],
                name="blacklist_lookup",
            )
        ]

    def __str__(self):
        kind = self.get_identifier_type_display()
        return f"{kind} {self.identifier}: {self.get_action_display()}"


class OutboxMessageQuerySet(models.QuerySet):
    def due(self, now: datetime.datetime):
        return self.filter(status=OutboxMessage.Status.PENDING, next_attempt_at__lte=now)


class OutboxMessage(models.Model):
    """An SMS or e-mail waiting to go out; a failure to send never loses the complaint."""

    class Channel(models.TextChoices):
        SMS = "sms", _("SMS")
        EMAIL = "email", _("E-mail")

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    grievance = models.ForeignKey(
        Grievance,
        verbose_name=_("complaint"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="messages",
    )
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    recipient = models.CharField(_("recipient"), max_length=254)
    subject = models.CharField(_("subject"), max_length=200, blank=True)
    body = models.TextField(_("message"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    created_at = models.DateTimeField(_("queued at"))
    next_attempt_at = models.DateTimeField(_("next attempt at"))
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=500, blank=True)
    # Makes queuing idempotent, e.g. one digest per officer per day.
    dedup_key = models.CharField(max_length=120, null=True, blank=True, unique=True)

    objects = OutboxMessageQuerySet.as_manager()

    class Meta:
        verbose_name = _("outgoing message")
        verbose_name_plural = _("outgoing messages")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="outbox_due")]

    def __str__(self):
        return f"{self.get_channel_display()} {self.pk}"
