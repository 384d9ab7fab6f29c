"""Helpers for the tests of offices as sites: the Rangpur network fixture, and a small
published charter for an office that has none (the fixture publishes only Kaunia's)."""

import datetime
from pathlib import Path

from django.conf import settings
from django.core.management import call_command

from services.models import Charter, GrsTier, Office, Officer, Service

NETWORK_FIXTURE = Path(settings.BASE_DIR) / "fixtures" / "rangpur_network.json"
KAUNIA_HOST = "doict.kaunia.rangpur.gov.bd"
UPAZILAS = {
    "badarganj": ("বদরগঞ্জ", "Badarganj"),
    "gangachara": ("গঙ্গাচড়া", "Gangachara"),
    "kaunia": ("কাউনিয়া", "Kaunia"),
    "mithapukur": ("মিঠাপুকুর", "Mithapukur"),
    "pirgachha": ("পীরগাছা", "Pirgachha"),
    "pirganj": ("পীরগঞ্জ", "Pirganj"),
    "rangpur-sadar": ("রংপুর সদর", "Rangpur Sadar"),
    "taraganj": ("তারাগঞ্জ", "Taraganj"),
}


def load_network() -> None:
    call_command("loaddata", NETWORK_FIXTURE, verbosity=0)


def office(slug: str) -> Office:
    return Office.objects.get(slug=slug)


def _translated(**fields) -> dict:
    """``name="x"`` as the field and its Bangla and English columns."""
    values = {}
    for name, value in fields.items():
        values.update({name: value, f"{name}_bn": value, f"{name}_en": value})
    return values


def publish_charter(
    target: Office, *, service_name: str = "Test service", gro: Officer | None = None
) -> Charter:
    """A published charter for ``target``: one citizen service and a GRS table whose tier 1
    is ``gro`` (else an officer of the office made for it)."""
    head = Officer.objects.create(
        office=target, phone="01700000000", **_translated(designation="Upazila ICT Officer")
    )
    gro = gro or head
    charter = Charter.objects.create(
        office=target,
        issued_on=datetime.date(2025, 1, 1),
        signatory=head,
        **_translated(
            title="Citizen's Charter",
            government="Government of the People's Republic of Bangladesh",
            vision=f"Vision of {target.name_en}",
            mission=f"Mission of {target.name_en}",
        ),
    )
    for level, days, officer in [(1, 30, gro), (2, 20, None), (3, 60, None)]:
        GrsTier.objects.create(
            charter=charter,
            level=level,
            officer=officer,
            time_limit_working_days=days,
            **_translated(
                when_to_contact="If not solved",
                contact_role=str(GrsTier.Level(level).label),
                contact_address="Address",
            ),
        )
    Service.objects.create(
        office=target,
        category="citizen",
        serial=1,
        fee_kind="free",
        time_limit_kind="working_days",
        time_limit_working_days=7,
        responsible_officer=head,
        superior_officer=head,
        **_translated(
            name=service_name,
            delivery_method="At the office",
            required_documents="An application",
            fee_text="Free",
            time_limit_text="7 working days",
        ),
    )
    return charter
