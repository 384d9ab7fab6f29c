"""One-time codes by SMS: a browser shows that it holds a complaint's mobile phone.

The tracking page offers it when a lookup is refused (too many wrong guesses from the
client's address or session, or for the tracking number: see ``views.track``). The citizen
asks for a code; it goes by SMS to the complaint's mobile number, and only when the tracking
number and mobile number typed match a complaint. The page answers the same either way, so
asking tells a guesser nothing, and a guesser who does hit the right pair sends the code to
the owner's phone, not to themselves. Typing the code opens the case and trusts the session
with that mobile number for ``VERIFIED_FOR``: its lookups with that number are never refused,
and its complaints with that number are never flagged.

- A code is 6 digits, valid for ``CODE_VALID`` seconds and ``MAX_TRIES`` tries; asking again
  replaces it. It lives only in the session that asked, as an HMAC (``SECRET_KEY``), never
  in clear; a verified mobile number is kept as an HMAC too.
- At most ``GRS_RATE_LIMITS["mobile_code_mobile"]`` codes an hour go to one number, so nobody
  can flood a phone with codes, and guessing a code gets at most that many times
  ``MAX_TRIES`` tries an hour, out of a million.
- The SMS goes through the outbox like every message to a complainant.
"""

import secrets

from django.template.loader import render_to_string
from django.utils.crypto import constant_time_compare, salted_hmac

from core import ratelimit

from . import notifications
from .models import Grievance, OutboxMessage

PENDING_KEY = "grs_mobile_code"
VERIFIED_KEY = "grs_verified_mobiles"
CODE_DIGITS = 6
CODE_VALID = 10 * 60
MAX_TRIES = 5
VERIFIED_FOR = 24 * 3600
MAX_VERIFIED = 5  # mobile numbers one session is trusted with at once
SMS_TEMPLATE = "grievances/messages/mobile_code_sms.txt"


def _digest(*parts: str) -> str:
    return salted_hmac("grievances.mobile_verification", "\x00".join(parts)).hexdigest()


def send_code(session, *, grievance: Grievance | None, tracking_number: str, mobile: str, now):
    """Start a code for this tracking number and mobile number in ``session``.

    ``grievance`` is the complaint they match, or None. The SMS is queued only for a match,
    within the number's hourly limit; otherwise the session holds a code nothing can match.
    Returns whether an SMS was queued: for tests and logs, never for the page.
    """
    mobile_digest = _digest("mobile", mobile)
    code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
    sent = grievance is not None and ratelimit.allow("mobile_code_mobile", mobile)
    session[PENDING_KEY] = {
        "tracking_number": tracking_number,
        "mobile": mobile_digest,
        "code": _digest("code", tracking_number, mobile_digest, code) if sent else "",
        "expires": now.timestamp() + CODE_VALID,
        "tries": 0,
    }
    if sent:
        body = render_to_string(
            SMS_TEMPLATE,
            {"code": code, "tracking": tracking_number, "minutes": CODE_VALID // 60},
        ).strip()
        message = OutboxMessage.objects.create(
            grievance=grievance,
            channel=OutboxMessage.Channel.SMS,
            recipient=mobile,
            body=body,
            created_at=now,
            next_attempt_at=now,
        )
        notifications.dispatch_after_commit([message.pk])
    return sent


def pending(session, *, now) -> str | None:
    """The tracking number a code is waiting for in this session, if one is."""
    entry = session.get(PENDING_KEY)
    if not entry:
        return None
    if now.timestamp() > entry["expires"]:
        del session[PENDING_KEY]
        return None
    return entry["tracking_number"]


def check_code(session, code: str, *, now) -> str | None:
    """The tracking number when ``code`` is the one sent; the session is then verified for
    its mobile number. A wrong code uses up a try; after the last, or once expired, the code
    is gone and ``pending`` answers None."""
    if pending(session, now=now) is None:
        return None
    entry = session[PENDING_KEY]
    given = _digest("code", entry["tracking_number"], entry["mobile"], code.strip())
    if not entry["code"] or not constant_time_compare(entry["code"], given):
        entry["tries"] += 1
        if entry["tries"] >= MAX_TRIES:
            del session[PENDING_KEY]
        else:
            session[PENDING_KEY] = entry
        return None
    del session[PENDING_KEY]
    verified = _verified(session, now=now)
    verified.pop(entry["mobile"], None)
    verified[entry["mobile"]] = now.timestamp()
    session[VERIFIED_KEY] = dict(list(verified.items())[-MAX_VERIFIED:])
    return entry["tracking_number"]


def _verified(session, *, now) -> dict[str, float]:
    since = now.timestamp() - VERIFIED_FOR
    return {digest: at for digest, at in (session.get(VERIFIED_KEY) or {}).items() if at > since}


def is_verified(session, mobile: str, *, now) -> bool:
    """Whether this session typed a code sent to ``mobile`` within ``VERIFIED_FOR``."""
    return bool(mobile) and _digest("mobile", mobile) in _verified(session, now=now)


def forget(session, mobile: str) -> None:
    """The session is no longer trusted with ``mobile`` (signing out of a case)."""
    verified = dict(session.get(VERIFIED_KEY) or {})
    if verified.pop(_digest("mobile", mobile), None) is not None:
        session[VERIFIED_KEY] = verified
