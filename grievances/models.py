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

from services.models import GrsTier, Office, Officer, Service


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


class StaffProfile(models.Model):
    """Links a staff user to the officer and office whose complaints they handle."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="grs_profile",
    )
    officer = models.ForeignKey(
        Officer,
        verbose_name=_("officer"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="staff_profiles",
    )
    office = models.ForeignKey(
        Office,
        verbose_name=_("office"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="staff_profiles",
    )

    class Meta:
        verbose_name = _("staff profile")
        verbose_name_plural = _("staff profiles")

    def __str__(self):
        return str(self.user)


class GrievanceQuerySet(models.QuerySet):
    def open(self):
        return self.filter(status__in=Grievance.OPEN_STATUSES)

    def overdue(self, today: datetime.date):
        """Open cases whose tier deadline has passed: overdue the day after the deadline."""
        return self.open().filter(deadline__lt=today)

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
    disposed_at = models.DateTimeField(_("disposed at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
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

    def is_overdue(self, today: datetime.date) -> bool:
        return self.is_open and self.deadline < today


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
        HEARING_RECORDED = "hearing_recorded", _("Hearing held")
        INVESTIGATION_ORDERED = "investigation_ordered", _("Investigation ordered")
        DISPOSED = "disposed", _("Disposed with a decision")
        ESCALATED = "escalated", _("Escalated to the next tier")
        APPEALED = "appealed", _("Appeal received")
        CLOSED = "closed", _("Closed")
        RATED = "rated", _("Complainant rated the disposal")

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
