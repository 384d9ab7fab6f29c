"""Pluggable SMS backends, chosen by ``settings.SMS_BACKEND`` as Django chooses mail backends."""

import json
import sys
import threading
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string


@dataclass(frozen=True)
class SmsMessage:
    to: str
    body: str
    # The outbox message's id: the gateway's idempotency key, so that a re-sent message
    # (a worker that died before recording the send) is delivered once.
    id: str = ""


class SmsError(Exception):
    pass


class BaseSmsBackend:
    def send(self, message: SmsMessage) -> None:
        raise NotImplementedError


class ConsoleBackend(BaseSmsBackend):
    """Development: print each message."""

    def __init__(self, stream=None):
        self.stream = stream or sys.stdout

    def send(self, message: SmsMessage) -> None:
        self.stream.write(f"SMS to {message.to}\n{message.body}\n{'-' * 40}\n")
        self.stream.flush()


class FileBackend(BaseSmsBackend):
    """Development: append each message to a file per day under ``SMS_FILE_PATH``."""

    _lock = threading.Lock()

    def send(self, message: SmsMessage) -> None:
        directory = Path(settings.SMS_FILE_PATH)
        directory.mkdir(parents=True, exist_ok=True)
        path = directory / f"{timezone.localdate():%Y-%m-%d}.log"
        with self._lock, path.open("a", encoding="utf-8") as log:
            log.write(f"SMS to {message.to}\n{message.body}\n{'-' * 40}\n")


outbox: list[SmsMessage] = []


class LocmemBackend(BaseSmsBackend):
    """Tests: keep messages in ``grievances.sms.outbox``, as ``django.core.mail.outbox`` does."""

    def send(self, message: SmsMessage) -> None:
        outbox.append(message)


class HttpGatewayBackend(BaseSmsBackend):
    """Production: POST JSON ``{"to", "message", "sender", "id"}`` to ``SMS_GATEWAY_URL``.

    Bearer token from ``SMS_GATEWAY_TOKEN``; the message's id also goes in the
    ``Idempotency-Key`` header. Any answer but 2xx is a failure to retry.
    """

    def send(self, message: SmsMessage) -> None:
        if not settings.SMS_GATEWAY_URL:
            raise SmsError("SMS_GATEWAY_URL is not set")
        payload = {"to": message.to, "message": message.body}
        if message.id:
            payload["id"] = message.id
        if settings.SMS_GATEWAY_SENDER:
            payload["sender"] = settings.SMS_GATEWAY_SENDER
        request = urllib.request.Request(
            settings.SMS_GATEWAY_URL,
            data=json.dumps(payload).encode(),
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        if message.id:
            request.add_header("Idempotency-Key", message.id)
        if settings.SMS_GATEWAY_TOKEN:
            request.add_header("Authorization", f"Bearer {settings.SMS_GATEWAY_TOKEN}")
        try:
            with urllib.request.urlopen(request, timeout=settings.SMS_GATEWAY_TIMEOUT) as answer:
                if not 200 <= answer.status < 300:
                    raise SmsError(f"gateway answered {answer.status}")
        except OSError as error:  # URLError, HTTPError and timeouts
            raise SmsError(f"gateway unreachable: {error.__class__.__name__}") from error


def get_backend(path: str | None = None) -> BaseSmsBackend:
    return import_string(path or settings.SMS_BACKEND)()


def to_international(mobile: str) -> str:
    """``01XXXXXXXXX`` as gateways want it: ``8801XXXXXXXXX``."""
    return f"88{mobile}" if len(mobile) == 11 else mobile
