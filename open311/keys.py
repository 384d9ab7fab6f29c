"""Keys for the Open311 API: issued and revoked in admin, checked on every POST."""

import datetime
import hashlib
import secrets

from django.utils import timezone

from .models import ApiKey

PREFIX_LENGTH = 8


def digest(raw_key: str) -> str:
    # The keys are 256-bit random tokens, so a fast hash is enough: nothing to brute-force.
    return hashlib.sha256(raw_key.encode()).hexdigest()


def generate(api_key: ApiKey, *, now: datetime.datetime | None = None) -> str:
    """Give an unsaved key its secret and return it; only its digest is kept."""
    raw_key = secrets.token_urlsafe(32)
    api_key.prefix = raw_key[:PREFIX_LENGTH]
    api_key.key_hash = digest(raw_key)
    api_key.created_at = now or timezone.now()
    return raw_key


def issue(*, name: str, now: datetime.datetime | None = None) -> tuple[ApiKey, str]:
    api_key = ApiKey(name=name)
    raw_key = generate(api_key, now=now)
    api_key.save()
    return api_key, raw_key


def revoke(*, keys, now: datetime.datetime | None = None) -> int:
    """Revoke the given keys (a queryset); keys already revoked keep their date."""
    return keys.filter(revoked_at__isnull=True).update(revoked_at=now or timezone.now())


def authenticate(raw_key: str, *, now: datetime.datetime | None = None) -> ApiKey | None:
    """The active key matching ``raw_key``, or None for an unknown or revoked key."""
    if not raw_key:
        return None
    api_key = ApiKey.objects.active().filter(key_hash=digest(raw_key)).first()
    if api_key is not None:
        api_key.last_used_at = now or timezone.now()
        ApiKey.objects.filter(pk=api_key.pk).update(last_used_at=api_key.last_used_at)
    return api_key
