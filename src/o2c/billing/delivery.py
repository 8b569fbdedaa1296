"""Send rendered documents (invoice PDF, UBL XML, statements) to a customer by e-mail.

Delivery is the last step of billing and the one most exposed to the outside world: mail servers
refuse connections, reject recipients, or drop the session half way. Every one of those becomes a
``DeliveryFailed`` with a plain message (never a traceback), so the caller can record the failure
on the invoice and retry later. Only the standard library's ``smtplib`` is used, so there is no
extra dependency to keep in step with a mail provider's SDK.
"""
from __future__ import annotations

import smtplib
import socket
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from o2c.kernel.errors import O2CError

#: (filename, content, MIME type such as "application/pdf")
Attachment = tuple[str, bytes, str]


class DeliveryFailed(O2CError):
    """The document could not be handed to the mail server; nothing was sent to the recipient."""

    code = "delivery_failed"


class PartiallyDelivered(DeliveryFailed):
    """The server took the message for some recipients and refused others. The message did go out,
    so ``message_id`` is kept: the caller records the dispatch and follows up on the refused ones."""

    code = "delivery_partial"

    def __init__(self, message: str, message_id: str, refused: list[str]):
        super().__init__(message)
        self.message_id = message_id
        self.refused = refused


@dataclass(frozen=True, slots=True)
class SmtpSettings:
    """Where and how to submit mail. ``starttls`` and a username are optional because a local relay
    (or a test server) often speaks plain SMTP without authentication."""

    host: str
    port: int = 587
    sender: str = "billing@localhost"
    username: str | None = None
    password: str | None = None
    starttls: bool = False
    timeout: float = 30.0
    #: the domain used in generated Message-IDs; defaults to the sender's domain.
    message_id_domain: str | None = None


def send_document(
    smtp_settings: SmtpSettings,
    to: str | list[str],
    subject: str,
    body_text: str,
    attachments: list[Attachment],
) -> str:
    """Send one message with the given attachments and return its Message-ID.

    The Message-ID is returned so the caller can store it with the invoice as proof of dispatch
    and match a later bounce to the document. Raises ``DeliveryFailed`` on any SMTP or network
    failure, including a recipient the server refuses."""
    recipients = [to] if isinstance(to, str) else list(to)
    if not recipients or not all(r and "@" in r for r in recipients):
        raise DeliveryFailed(f"no valid recipient address in {recipients!r}", code="delivery_bad_recipient")
    message = build_message(smtp_settings, recipients, subject, body_text, attachments)
    _submit(smtp_settings, message, recipients)
    return str(message["Message-ID"])


def build_message(
    smtp_settings: SmtpSettings,
    recipients: list[str],
    subject: str,
    body_text: str,
    attachments: list[Attachment],
) -> EmailMessage:
    """Compose the MIME message (kept separate from sending so it can be inspected or archived)."""
    message = EmailMessage()
    message["From"] = smtp_settings.sender
    message["To"] = ", ".join(recipients)
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=False, usegmt=True)
    message["Message-ID"] = make_msgid(domain=_msgid_domain(smtp_settings))
    message.set_content(body_text)
    for filename, content, mime in attachments:
        maintype, subtype = _split_mime(mime)
        message.add_attachment(content, maintype=maintype, subtype=subtype, filename=filename)
    return message


def _msgid_domain(settings: SmtpSettings) -> str:
    """A stable domain for Message-IDs: the local host name leaks internal names and may be empty."""
    if settings.message_id_domain:
        return settings.message_id_domain
    _, _, domain = settings.sender.rpartition("@")
    return domain or "localhost"


def _split_mime(mime: str) -> tuple[str, str]:
    """``application/pdf`` -> (``application``, ``pdf``); anything malformed is sent as opaque bytes
    rather than refused, since the receiver only needs the bytes back intact."""
    maintype, _, subtype = mime.partition("/")
    if not maintype or not subtype:
        return "application", "octet-stream"
    return maintype.strip(), subtype.strip()


def _submit(settings: SmtpSettings, message: EmailMessage, recipients: list[str]) -> None:
    """Open the session, optionally upgrade and log in, and send; translate every failure."""
    where = f"{settings.host}:{settings.port}"
    try:
        with smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout) as smtp:
            if settings.starttls:
                smtp.starttls(context=ssl.create_default_context())
            if settings.username:
                smtp.login(settings.username, settings.password or "")
            refused = smtp.send_message(message, from_addr=settings.sender, to_addrs=recipients)
    except smtplib.SMTPRecipientsRefused as exc:
        raise DeliveryFailed(
            f"mail server {where} refused every recipient: {_describe_refused(exc.recipients)}",
            code="delivery_recipient_refused",
        ) from None
    except smtplib.SMTPSenderRefused as exc:
        raise DeliveryFailed(
            f"mail server {where} refused sender {settings.sender}: {exc.smtp_code} {_text(exc.smtp_error)}",
            code="delivery_sender_refused",
        ) from None
    except smtplib.SMTPAuthenticationError as exc:
        raise DeliveryFailed(
            f"mail server {where} rejected the login for {settings.username}: {exc.smtp_code}",
            code="delivery_auth_failed",
        ) from None
    except smtplib.SMTPNotSupportedError as exc:
        raise DeliveryFailed(f"mail server {where} does not support a required feature: {exc}",
                             code="delivery_unsupported") from None
    except smtplib.SMTPResponseException as exc:
        raise DeliveryFailed(f"mail server {where} answered {exc.smtp_code} {_text(exc.smtp_error)}") from None
    except (smtplib.SMTPException, ssl.SSLError) as exc:
        raise DeliveryFailed(f"mail to {where} failed: {exc}") from None
    except (ConnectionRefusedError, socket.timeout, socket.gaierror) as exc:
        raise DeliveryFailed(f"cannot connect to mail server {where}: {_reason(exc)}",
                             code="delivery_unreachable") from None
    except OSError as exc:
        raise DeliveryFailed(f"cannot reach mail server {where}: {_reason(exc)}",
                             code="delivery_unreachable") from None
    if refused:
        # Some recipients accepted, some not: the message went out, but the caller must know.
        raise PartiallyDelivered(
            f"mail server {where} refused some recipients: {_describe_refused(refused)}",
            message_id=str(message["Message-ID"]),
            refused=sorted(refused),
        )


def _describe_refused(refused: dict) -> str:
    return "; ".join(f"{addr} ({code} {_text(msg)})" for addr, (code, msg) in refused.items())


def _text(value: bytes | str) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


def _reason(exc: OSError) -> str:
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused"
    if isinstance(exc, socket.timeout):
        return "timed out"
    return exc.strerror or str(exc) or exc.__class__.__name__
