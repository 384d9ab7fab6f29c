from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _


class Office(models.Model):
    class Level(models.TextChoices):
        MINISTRY = "ministry", _("Ministry or division")
        DEPARTMENT = "department", _("Department")
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
        return reverse("services:service", args=[self.category, self.serial])

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
