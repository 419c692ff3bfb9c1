"""The channels a message goes out on: ``log`` (always there), ``email`` (SMTP) and ``sms``
(a generic HTTP gateway). Each sender raises on failure; the caller records it.

Every message carries a stable key (its ``event_key``): the email's ``Message-ID`` and the SMS
request's ``Idempotency-Key`` header. A send repeated after a crash (the worker died after the
gateway accepted it but before the row said ``sent``) reaches the gateway with the same key.

A stored message keeps the customer link as the placeholder ``${link}``
(:data:`dispatch.notify.templates.LINK`); :func:`send` puts the real link in only for the
channel (:func:`dispatch.notify.templates.with_link`), so the message log never holds a token.
"""

from __future__ import annotations

import json
import logging
import smtplib
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from email.message import EmailMessage
from string import Template

from flask import current_app

from dispatch.notify.models import Message
from dispatch.notify.templates import with_link

log = logging.getLogger("dispatch.notify")
#: The SMS gateway's request body unless ``DISPATCH_SMS_TEMPLATE`` says otherwise; values are
#: JSON-escaped before they are put in.
DEFAULT_SMS_TEMPLATE = '{"to": "$to", "text": "$text"}'


def configured(channel: str) -> bool:
    config = current_app.config
    if channel == "email":
        return bool(config.get("DISPATCH_SMTP_HOST"))
    if channel == "sms":
        return bool(config.get("DISPATCH_SMS_URL"))
    return channel == "log"


@dataclass(frozen=True)
class Outgoing:
    """What a channel sends: the stored message with the real customer link put in."""

    event_key: str
    channel: str
    recipient: str
    subject: str
    body: str
    attempts: int


def outgoing(message: Message) -> Outgoing:
    return Outgoing(event_key=message.event_key, channel=message.channel,
                    recipient=message.recipient,
                    subject=with_link(message.subject, message.order_id),
                    body=with_link(message.body, message.order_id), attempts=message.attempts)


def message_id(message: Outgoing) -> str:
    domain = current_app.config.get("DISPATCH_SMTP_DOMAIN") or "gps-dispatch.local"
    return f"<{message.event_key.replace(':', '.')}@{domain}>"


def send_log(message: Outgoing) -> None:
    log.info("message %s to %s: %s | %s", message.event_key, message.recipient or "-",
             message.subject, message.body)


def send_email(message: Outgoing) -> None:
    config = current_app.config
    mail = EmailMessage()
    mail["From"] = config.get("DISPATCH_SMTP_FROM") or "dispatch@gps-dispatch.local"
    mail["To"] = message.recipient
    mail["Subject"] = message.subject
    mail["Message-ID"] = message_id(message)
    mail.set_content(message.body)
    with smtplib.SMTP(config["DISPATCH_SMTP_HOST"], int(config.get("DISPATCH_SMTP_PORT") or 25),
                      timeout=15) as smtp:
        if config.get("DISPATCH_SMTP_STARTTLS"):
            smtp.starttls()
        if config.get("DISPATCH_SMTP_USER"):
            smtp.login(config["DISPATCH_SMTP_USER"], config.get("DISPATCH_SMTP_PASSWORD") or "")
        smtp.send_message(mail)


def sms_body(message: Outgoing) -> bytes:
    template = current_app.config.get("DISPATCH_SMS_TEMPLATE") or DEFAULT_SMS_TEMPLATE
    text = message.body if not message.subject else f"{message.subject}\n{message.body}"
    values = {"to": message.recipient, "text": text, "key": message.event_key,
              "subject": message.subject}
    escaped = {key: json.dumps(value, ensure_ascii=False)[1:-1] for key, value in values.items()}
    return Template(template).safe_substitute(escaped).encode("utf-8")


def send_sms(message: Outgoing) -> None:
    config = current_app.config
    url = config["DISPATCH_SMS_URL"]
    if not url.startswith(("http://", "https://")):
        raise ValueError("DISPATCH_SMS_URL must be an http(s) URL")
    request = urllib.request.Request(url, data=sms_body(message), method="POST")  # noqa: S310
    request.add_header("Content-Type", config.get("DISPATCH_SMS_CONTENT_TYPE")
                       or "application/json; charset=utf-8")
    request.add_header("Idempotency-Key", message.event_key)
    header = config.get("DISPATCH_SMS_AUTH_HEADER")
    if header:
        name, _, value = header.partition(":")
        request.add_header(name.strip(), value.strip())
    with urllib.request.urlopen(request, timeout=15) as response:  # noqa: S310 - configured URL
        if response.status >= 300:
            raise RuntimeError(f"SMS gateway answered {response.status}")


SENDERS: dict[str, Callable[[Outgoing], None]] = {
    "log": send_log, "email": send_email, "sms": send_sms,
}


def send(message: Message) -> None:
    SENDERS[message.channel](outgoing(message))
