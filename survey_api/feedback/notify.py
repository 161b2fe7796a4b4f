"""Telling a citizen who consented that their feedback was answered: by e-mail (SMTP), or by SMS/Zalo.

Nothing here logs an address, a phone number, a name or the text: log lines name the feedback by its id only.
The SMS/Zalo sender is an interface with a logging implementation until a provider is contracted.
"""

from __future__ import annotations

import logging
import smtplib
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Protocol

from survey_api.settings import Settings

_log = logging.getLogger(__name__)
STATUS_WORDS = {"answered": "đã được trả lời", "rejected": "không được xử lý (xem lý do)"}


@dataclass(frozen=True)
class Notice:
    """What to tell one citizen, and where; built inside the transaction, sent after it commits."""

    feedback_id: int
    reference: str
    status: str
    reply: str
    email: str | None
    phone: str | None
    link: str

    def subject(self) -> str:
        return f"Phản ánh, kiến nghị {self.reference}: {STATUS_WORDS.get(self.status, self.status)}"

    def body(self) -> str:
        return (
            "Kính gửi Ông/Bà,\n\n"
            f"Ý kiến của Ông/Bà (mã tra cứu {self.reference}) {STATUS_WORDS.get(self.status, self.status)}.\n\n"
            f"{self.reply}\n\n"
            f"Xem chi tiết và tình trạng xử lý: {self.link}\n\n"
            "Thư này được gửi vì Ông/Bà đã đồng ý nhận trả lời qua thư điện tử. Vui lòng không trả lời thư này.\n"
        )


class Sender(Protocol):
    """Delivers a notice through one channel; returns whether it was handed over."""

    def send(self, notice: Notice) -> bool: ...


class SmtpSender:
    """E-mail through the SMTP server of the settings (plain, or STARTTLS; login when a user is set)."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings

    def send(self, notice: Notice) -> bool:
        s = self._settings
        if not s.smtp_host or not notice.email:
            return False
        message = EmailMessage()
        message["From"] = s.smtp_sender
        message["To"] = notice.email
        message["Subject"] = notice.subject()
        message.set_content(notice.body())
        try:
            with smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=s.smtp_timeout_seconds) as smtp:
                if s.smtp_starttls:
                    smtp.starttls()
                if s.smtp_username:
                    smtp.login(s.smtp_username, s.smtp_password)
                smtp.send_message(message)
        except (OSError, smtplib.SMTPException) as exc:
            _log.warning("e-mail for feedback %s was not sent: %s", notice.feedback_id, type(exc).__name__)
            return False
        _log.info("e-mail for feedback %s sent", notice.feedback_id)
        return True


class LoggingTextSender:
    """Stands in for an SMS or Zalo gateway: logs that a message would go out, never to whom or what."""

    def __init__(self, channel: str = "sms") -> None:
        self.channel = channel

    def send(self, notice: Notice) -> bool:
        if not notice.phone:
            return False
        _log.info("%s for feedback %s: no gateway configured, not sent", self.channel, notice.feedback_id)
        return False


@dataclass(frozen=True)
class Notifier:
    """Every channel a notice may go through: e-mail when there is an address, a text when there is a phone."""

    email: Sender
    text: Sender

    def deliver(self, notice: Notice) -> None:
        """Send the notice through each channel it has an address for; failures are logged, never raised."""
        if notice.email:
            self.email.send(notice)
        if notice.phone:
            self.text.send(notice)


def notifier_for(settings: Settings) -> Notifier:
    """The notifier of this deployment."""
    return Notifier(email=SmtpSender(settings), text=LoggingTextSender())
