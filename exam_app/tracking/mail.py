"""E-mail through the standard library's ``smtplib``: the settings (config ``SMTP_*``; off
while ``SMTP_HOST`` is empty) and a mailer that keeps one connection for a run.

``Mailer`` is what the reminder service takes: anything with ``send(to, subject, body)``;
``SmtpMailer`` is the real one. Messages are UTF-8 plain text (Chinese subjects are
RFC 2047-encoded by ``email.message.EmailMessage``)."""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Mapping
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from types import TracebackType
from typing import Any, Protocol


class Mailer(Protocol):
    def send(self, to: str, subject: str, body: str) -> None: ...


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    sender: str
    username: str = ""
    password: str = ""
    security: str = ""  #: "", "starttls" or "ssl"
    timeout: float = 10

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> SmtpSettings | None:
        """The configured server, or ``None`` when ``SMTP_HOST`` is empty (no e-mail)."""
        host = str(config.get("SMTP_HOST") or "")
        if not host:
            return None
        return cls(
            host=host,
            port=int(config.get("SMTP_PORT") or 25),
            sender=str(config.get("SMTP_FROM") or f"noreply@{host}"),
            username=str(config.get("SMTP_USERNAME") or ""),
            password=str(config.get("SMTP_PASSWORD") or ""),
            security=str(config.get("SMTP_SECURITY") or "").lower(),
            timeout=float(config.get("SMTP_TIMEOUT") or 10),
        )


def message(sender: str, to: str, subject: str, body: str) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = to
    msg["Subject"] = subject
    msg["Date"] = formatdate(localtime=False, usegmt=True)
    msg["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or None)
    msg.set_content(body, charset="utf-8")
    return msg


class SmtpMailer:
    """Sends through one SMTP connection, opened at the first message and closed by
    ``close()`` (or leaving the ``with`` block)."""

    def __init__(self, settings: SmtpSettings) -> None:
        self.settings = settings
        self._smtp: smtplib.SMTP | None = None

    def _connect(self) -> smtplib.SMTP:
        s = self.settings
        smtp: smtplib.SMTP
        if s.security == "ssl":
            smtp = smtplib.SMTP_SSL(
                s.host, s.port, timeout=s.timeout, context=ssl.create_default_context()
            )
        else:
            smtp = smtplib.SMTP(s.host, s.port, timeout=s.timeout)
            if s.security == "starttls":
                smtp.starttls(context=ssl.create_default_context())
        if s.username:
            smtp.login(s.username, s.password)
        return smtp

    def send(self, to: str, subject: str, body: str) -> None:
        if self._smtp is None:
            self._smtp = self._connect()
        self._smtp.send_message(message(self.settings.sender, to, subject, body))

    def close(self) -> None:
        if self._smtp is not None:
            try:
                self._smtp.quit()
            except smtplib.SMTPException:
                self._smtp.close()
            self._smtp = None

    def __enter__(self) -> SmtpMailer:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
