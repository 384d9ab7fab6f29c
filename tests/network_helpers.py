"""Offices, charters and staff accounts for the tests of a network of offices (forwarding,
scoped staff, roll-up reports). The Kaunia charter (``fixtures/charter.json``) is the real
one: office 3 under the Rangpur district office (2) under the Department of ICT (1); its
GRO is the District ICT Officer in Rangpur (officer 2), its appeal officer the Deputy
Director (Administration) at the Department (officer 3)."""

import datetime

from django.contrib.auth.models import Group

from grievances.models import StaffProfile
from services.models import Charter, GrsTier, Office, Officer, Service

KAUNIA_UPAZILA_OFFICER = 1
DISTRICT_ICT_OFFICER = 2
DEPUTY_DIRECTOR = 3


def make_office(name: str, parent: Office | None, level: str = "upazila") -> Office:
    return Office.objects.create(name=name, name_bn=name, name_en=name, parent=parent, level=level)


def make_officer(office: Office, designation: str = "Upazila ICT Officer", name: str = ""):
    return Officer.objects.create(
        office=office,
        designation=designation,
        designation_bn=designation,
        designation_en=designation,
        name=name,
        name_bn=name,
        name_en=name,
    )


def make_charter(office: Office, *, signatory: Officer, tiers: dict[int, tuple]) -> Charter:
    """A published charter whose GRS table has, for each level, (officer or None, days)."""
    charter = Charter.objects.create(
        office=office,
        title="Citizen's Charter",
        title_bn="সিটিজেনস চার্টার",
        title_en="Citizen's Charter",
        government="Government of the People's Republic of Bangladesh",
        government_bn="গণপ্রজাতন্ত্রী বাংলাদেশ সরকার",
        government_en="Government of the People's Republic of Bangladesh",
        vision="Vision",
        vision_bn="রূপকল্প",
        vision_en="Vision",
        mission="Mission",
        mission_bn="অভিলক্ষ্য",
        mission_en="Mission",
        issued_on=datetime.date(2024, 12, 31),
        signatory=signatory,
    )
    for level, (officer, days) in tiers.items():
        role = str(GrsTier.Level(level).label)
        GrsTier.objects.create(
            charter=charter,
            level=level,
            when_to_contact="If not satisfied",
            when_to_contact_bn="সমাধান না পেলে",
            when_to_contact_en="If not satisfied",
            contact_role=role,
            contact_role_bn=role,
            contact_role_en=role,
            officer=officer,
            contact_address="Address",
            contact_address_bn="ঠিকানা",
            contact_address_en="Address",
            time_limit_working_days=days,
        )
    return charter


def make_service(office: Office, officer: Officer, superior: Officer, name: str) -> Service:
    return Service.objects.create(
        office=office,
        category="citizen",
        serial=1,
        name=name,
        name_bn=name,
        name_en=name,
        delivery_method="At the office",
        required_documents="None",
        fee_kind="free",
        fee_text="Free",
        time_limit_kind="immediate",
        time_limit_text="Immediately",
        responsible_officer=officer,
        superior_officer=superior,
    )


def make_staff(django_user_model, username: str, *groups: str, post=None, offices=()):
    """An active staff account in ``groups``, holding ``post`` (an officer or its id) and
    belonging to ``offices``."""
    user = django_user_model.objects.create_user(username, password="pw", is_staff=True)
    user.groups.add(*Group.objects.filter(name__in=groups))
    assert user.groups.count() == len(groups), groups
    post_id = post.pk if isinstance(post, Officer) else post
    StaffProfile.objects.create(user=user, officer_id=post_id, offices=offices)
    return user
