"""A real email backend for tests: Django's in-memory one, which refuses one address as an SMTP server would."""

import smtplib

from django.core.mail.backends.locmem import EmailBackend

REFUSED = "refused@example.org"


class RefusesOneAddress(EmailBackend):
    """Keeps every message in mail.outbox, except one to REFUSED, which fails as a refused recipient does."""

    def send_messages(self, messages):
        for message in messages:
            if REFUSED in message.recipients():
                raise smtplib.SMTPRecipientsRefused({REFUSED: (550, b"5.1.1 No such user")})
        return super().send_messages(messages)
