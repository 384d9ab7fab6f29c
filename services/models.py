from django.conf import settings
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

# An office's address name: lower-case ASCII words joined by hyphens (kaunia, rangpur-sadar).
SLUG_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*\Z"
# A host name as the Host header carries it, without port: doict.kaunia.rangpur.gov.bd.
_HOST_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
HOST_PATTERN = rf"^(?=.{{1,253}}\Z){_HOST_LABEL}(?:\.{_HOST_LABEL})*\Z"


class HostNameField(models.CharField):
    """A host name, kept as the Host header compares it: lower case, no trailing dot."""

    def to_python(self, value):
        value = super().to_python(value)
        return value.strip().lower().rstrip(".") if isinstance(value, str) else value


class Office(models.Model):
    class Level(models.TextChoices):
        # In the order of the hierarchy, top first (the directory lists them so).
        MINISTRY = "ministry", _("Ministry or division")
        DEPARTMENT = "department", _("Department")
        DIVISION = "division", _("Division office")
        DISTRICT = "district", _("District office")
        UPAZILA = "upazila", _("Upazila office")

    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent office"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    level = models.CharField(_("level"), max_length=20, choices=Level.choices)
    name = models.CharField(_("name"), max_length=200)
    slug = models.CharField(
        _("address name"),
        max_length=60,
        unique=True,
        blank=True,
        validators=[
            RegexValidator(
                SLUG_PATTERN,
                _("Use lower-case English letters, digits and hyphens, e.g. rangpur-sadar."),
            )
        ],
        help_text=_(
            "The office's pages are at /bn/offices/<address name>/. Left empty, it is made "
            "from the English name. Keep it once the pages are public: printed QR codes "
            "point at it."
        ),
    )
    address = models.CharField(_("address"), max_length=300, blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    website = models.URLField(_("website"), blank=True)
    logo = models.ImageField(_("logo"), upload_to="offices/", blank=True)

    class Meta:
        verbose_name = _("office")
        verbose_name_plural = _("offices")
        ordering = ["level", "name"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(parent=models.F("id")), name="office_not_own_parent"
            ),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("office:services:home", args=[self.slug])

    def head_office(self) -> "Office | None":
        """The department (or ministry) the office belongs to, named above it in headers:
        the nearest office above of that level, else the topmost; None for a top office."""
        above, current, seen = None, self.parent, {self.pk}
        while current is not None and current.pk not in seen:
            above = current
            if current.level in (self.Level.DEPARTMENT, self.Level.MINISTRY):
                break
            seen.add(current.pk)
            current = current.parent
        return above

    def fill_slug(self) -> None:
        """An empty slug keeps the stored one, or is made from the English name.

        Runs before every save, fixtures included (``services.apps``): a fixture written
        before offices had slugs (``fixtures/charter.json``) then leaves a slug alone, so
        loading the fixtures in any order gives the same slugs.
        """
        if self.slug:
            return
        if self.pk is not None:
            stored = Office.objects.filter(pk=self.pk).values_list("slug", flat=True).first()
            if stored:
                self.slug = stored
                return
        base = slugify(getattr(self, "name_en", "") or "")[:50].strip("-") or "office"
        slug, number = base, 1
        while Office.objects.filter(slug=slug).exclude(pk=self.pk).exists():
            number += 1
            slug = f"{base}-{number}"
        self.slug = slug


class OfficeHostManager(models.Manager):
    def get_by_natural_key(self, host):
        return self.get(host=host)


class OfficeHost(models.Model):
    """A host name that serves one office's pages at the unprefixed addresses (/bn/…).

    Django refuses any host not in ALLOWED_HOSTS before this is read: a host name added
    here must be added there too.
    """

    office = models.ForeignKey(
        Office, verbose_name=_("office"), on_delete=models.CASCADE, related_name="hosts"
    )
    host = HostNameField(
        _("host name"),
        max_length=253,
        unique=True,
        validators=[
            RegexValidator(
                HOST_PATTERN,
                _("A host name only, e.g. doict.kaunia.rangpur.gov.bd: no https://, port or path."),
            )
        ],
        help_text=_(
            "A request to this host is served this office's pages. Add the host name to the "
            "ALLOWED_HOSTS setting too."
        ),
    )

    objects = OfficeHostManager()

    class Meta:
        verbose_name = _("host name")
        verbose_name_plural = _("host names")
        ordering = ["host"]

    def __str__(self):
        return self.host

    def natural_key(self):  # a fixture names a host without guessing a free primary key
        return (self.host,)


class Officer(models.Model):
    office = models.ForeignKey(
        Office, verbose_name=_("office"), on_delete=models.PROTECT, related_name="officers"
    )
    designation = models.CharField(_("designation"), max_length=200)
    name = models.CharField(_("name"), max_length=200, blank=True)
    office_code = models.CharField(
        _("office code"), max_length=60, blank=True, help_text=_("For example উপজেলা কোড-৮৫৪২")
    )
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    photo = models.ImageField(_("photo"), upload_to="officers/", blank=True)

    class Meta:
        verbose_name = _("officer")
        verbose_name_plural = _("officers")
        ordering = ["office", "designation"]

    def __str__(self):
        if self.name:
            return f"{self.name}, {self.designation}"
        return self.designation


class Charter(models.Model):
    """The office's citizen's charter: its texts, issue date and signatory."""

    office = models.OneToOneField(
        Office, verbose_name=_("office"), on_delete=models.PROTECT, related_name="charter"
    )
    title = models.CharField(_("title"), max_length=200)
    government = models.CharField(_("government"), max_length=200)
    vision = models.TextField(_("vision"))
    mission = models.TextField(_("mission"))
    issued_on = models.DateField(_("issue date"))
    signatory = models.ForeignKey(
        Officer,
        verbose_name=_("signatory"),
        on_delete=models.PROTECT,
        related_name="signed_charters",
    )
    is_published = models.BooleanField(
        _("published"),
        default=True,
        help_text=_(
            "Only a published charter is shown to the public. Until then the office's pages "
            "say that its charter is not yet published."
        ),
    )
    updated_at = models.DateTimeField(_("last updated"), auto_now=True)

    class Meta:
        verbose_name = _("citizen's charter")
        verbose_name_plural = _("citizen's charters")

    def __str__(self):
        return f"{self.title}: {self.office}"


class Expectation(models.Model):
    """What the office expects from citizens (the charter's section 3)."""

    charter = models.ForeignKey(
        Charter, verbose_name=_("charter"), on_delete=models.CASCADE, related_name="expectations"
    )
    position = models.PositiveSmallIntegerField(_("position"), validators=[MinValueValidator(1)])
    text = models.CharField(_("text"), max_length=300)

    class Meta:
        verbose_name = _("expectation")
        verbose_name_plural = _("expectations")
        ordering = ["charter", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["charter", "position"], name="expectation_position_unique"
            ),
            models.CheckConstraint(condition=Q(position__gte=1), name="expectation_position_gte_1"),
        ]

    def __str__(self):
        return self.text


class GrsTier(models.Model):
    """One row of the charter's grievance redress table (GRS)."""

    class Level(models.IntegerChoices):
        GRO = 1, _("Grievance redress officer (GRO)")
        APPEAL = 2, _("Appeal officer")
        CABINET_CELL = 3, _("Cabinet Division grievance management cell")

    charter = models.ForeignKey(
        Charter, verbose_name=_("charter"), on_delete=models.CASCADE, related_name="grs_tiers"
    )
    level = models.PositiveSmallIntegerField(_("tier"), choices=Level.choices)
    when_to_contact = models.CharField(_("when to contact"), max_length=300)
    contact_role = models.CharField(_("whom to contact"), max_length=200)
    officer = models.ForeignKey(
        Officer,
        verbose_name=_("officer"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="grs_tiers",
        help_text=_("The officer who handles complaints at this tier, if a named officer."),
    )
    contact_address = models.TextField(_("contact address"))
    time_limit_working_days = models.PositiveSmallIntegerField(
        _("time limit (working days)"), validators=[MinValueValidator(1)]
    )

    class Meta:
        verbose_name = _("GRS tier")
        verbose_name_plural = _("GRS tiers")
        ordering = ["charter", "level"]
        constraints = [
            models.UniqueConstraint(fields=["charter", "level"], name="grs_tier_level_unique"),
            models.CheckConstraint(condition=Q(level__in=[1, 2, 3]), name="grs_tier_level_valid"),
            models.CheckConstraint(
                condition=Q(time_limit_working_days__gte=1), name="grs_tier_time_limit_positive"
            ),
        ]

    def __str__(self):
        return f"{self.level}. {self.contact_role}"


class ServiceQuerySet(models.QuerySet):
    def published(self):
        return self.filter(is_published=True)

    def for_category(self, category):
        return self.filter(category=category)

    def with_officers(self):
        return self.select_related("responsible_officer", "superior_officer")


class Service(models.Model):
    class Category(models.TextChoices):
        CITIZEN = "citizen", _("Citizen services")
        INSTITUTIONAL = "institutional", _("Institutional services")
        INTERNAL = "internal", _("Internal services")

    class FeeKind(models.TextChoices):
        FREE = "free", _("Free of charge")
        AMOUNT = "amount", _("A fixed amount")
        PER_POLICY = "per_policy", _("As the government's rules set")

    class TimeLimitKind(models.TextChoices):
        WORKING_DAYS = "working_days", _("A number of working days")
        IMMEDIATE = "immediate", _("Immediately")
        NONE = "none", _("No fixed time limit")
        # The charter printed its template unfilled ("তাৎক্ষণিক/কার্যদিবস (প্রযোজ্য
        # ক্ষেত্রে)"): neither immediate nor a number of days. The printed text is kept.
        NOT_FIXED = "not_fixed", _("Not fixed (the charter gives no number)")

    office = models.ForeignKey(
        Office, verbose_name=_("office"), on_delete=models.PROTECT, related_name="services"
    )
    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    serial = models.PositiveSmallIntegerField(_("serial"), validators=[MinValueValidator(1)])
    name = models.CharField(_("service name"), max_length=300)
    delivery_method = models.TextField(_("delivery method"))
    required_documents = models.TextField(_("required documents"))
    documents_source = models.CharField(_("where to get the documents"), max_length=300, blank=True)
    fee_kind = models.CharField(_("fee"), max_length=20, choices=FeeKind.choices)
    fee_amount = models.DecimalField(
        _("fee amount (taka)"), max_digits=10, decimal_places=2, null=True, blank=True
    )
    fee_payment_method = models.CharField(_("payment method"), max_length=200, blank=True)
    fee_text = models.CharField(_("fee as printed"), max_length=300)
    time_limit_kind = models.CharField(
        _("time limit"), max_length=20, choices=TimeLimitKind.choices
    )
    time_limit_working_days = models.PositiveSmallIntegerField(
        _("time limit (working days)"), null=True, blank=True
    )
    time_limit_text = models.CharField(_("time limit as printed"), max_length=300)
    responsible_officer = models.ForeignKey(
        Officer,
        verbose_name=_("responsible officer"),
        on_delete=models.PROTECT,
        related_name="services_responsible",
    )
    superior_officer = models.ForeignKey(
        Officer,
        verbose_name=_("superior officer"),
        on_delete=models.PROTECT,
        related_name="services_supervised",
    )
    is_published = models.BooleanField(_("published"), default=True)
    updated_at = models.DateTimeField(_("last updated"), auto_now=True)

    objects = ServiceQuerySet.as_manager()

    class Meta:
        verbose_name = _("service")
        verbose_name_plural = _("services")
        ordering = ["office", "category", "serial"]
        constraints = [
            models.UniqueConstraint(
                fields=["office", "category", "serial"], name="service_serial_unique_in_category"
            ),
            models.CheckConstraint(condition=Q(serial__gte=1), name="service_serial_gte_1"),
            models.CheckConstraint(
                condition=(
                    Q(fee_kind="amount", fee_amount__isnull=False, fee_amount__gt=0)
                    | (~Q(fee_kind="amount") & Q(fee_amount__isnull=True))
                ),
                name="service_fee_amount_matches_kind",
            ),
            models.CheckConstraint(
                condition=(
                    Q(
                        time_limit_kind="working_days",
                        time_limit_working_days__isnull=False,
                        time_limit_working_days__gte=1,
                    )
                    | (~Q(time_limit_kind="working_days") & Q(time_limit_working_days__isnull=True))
                ),
                name="service_time_limit_days_match_kind",
            ),
        ]

    def __str__(self):
        return f"{self.get_category_display()} {self.serial}: {self.name}"

    def get_absolute_url(self):
        return reverse(
            "office:services:service", args=[self.office.slug, self.category, self.serial]
        )

    def clean(self):
        from django.core.exceptions import ValidationError

        errors = {}
        if self.fee_kind == self.FeeKind.AMOUNT and not self.fee_amount:
            errors["fee_amount"] = _("Give the amount in taka for a fee with a fixed amount.")
        if self.fee_kind != self.FeeKind.AMOUNT and self.fee_amount is not None:
            errors["fee_amount"] = _("Leave the amount empty unless the fee is a fixed amount.")
        if self.time_limit_kind == self.TimeLimitKind.WORKING_DAYS and not (
            self.time_limit_working_days
        ):
            errors["time_limit_working_days"] = _("Give the number of working days.")
        if (
            self.time_limit_kind != self.TimeLimitKind.WORKING_DAYS
            and self.time_limit_working_days is not None
        ):
            errors["time_limit_working_days"] = _(
                "Leave the number of working days empty unless the time limit is in working days."
            )
        if errors:
            raise ValidationError(errors)


class StaffMembership(models.Model):
    """A staff user belongs to an office: they edit its charter (as a charter editor), see
    its reports and those of the offices under it, and, in a GRS group, its cases that
    name no officer. A user may belong to several offices. ``services.scoping`` reads
    these rows; which post a user holds (the officer whose cases they handle) is the
    ``grievances`` app's staff profile."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="office_memberships",
    )
    office = models.ForeignKey(
        Office,
        verbose_name=_("office"),
        on_delete=models.CASCADE,
        related_name="staff_memberships",
    )

    class Meta:
        verbose_name = _("office membership")
        verbose_name_plural = _("office memberships")
        ordering = ["user", "office"]
        constraints = [
            models.UniqueConstraint(fields=["user", "office"], name="staff_membership_unique"),
        ]

    def __str__(self):
        return f"{self.user}: {self.office}"
