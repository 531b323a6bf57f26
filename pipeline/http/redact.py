"""Strip secrets from URLs, messages and log lines before they reach logs, errors or the raw zone.

Two nets: parameter names (``api_key=...`` anywhere in a text) and, for the request at hand, the
literal values sent under a secret name, since a server may echo a key back in any form.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Mapping
from urllib.parse import parse_qsl, quote, quote_plus, urlencode, urlsplit, urlunsplit

SECRET_PARAMS = frozenset({"api_key", "apikey", "key", "access_token", "token", "password", "email"})
REDACTED = "***"
# Not preceded by a word character, so ``monkey=`` is left alone; covers query strings and form bodies.
SECRET_ASSIGNMENT = re.compile(r"(?i)(?<![\w.-])((?:" + "|".join(sorted(SECRET_PARAMS)) + r")=)[^&\s\"'<>]*")
# Shorter values would turn ordinary words of a message into ***; real keys and e-mails are longer.
MIN_SECRET_LENGTH = 4
URLLIB3_LOGGER = "urllib3.connectionpool"


def redact_params(params: dict[str, object]) -> dict[str, object]:
    """NCBI puts the API key and the caller's e-mail in the query string; neither belongs in a log."""
    return {k: (REDACTED if k.lower() in SECRET_PARAMS else v) for k, v in params.items()}


def redact_url(url: str) -> str:
    parts = urlsplit(url)
    if not parts.query:
        return url
    pairs = [
        (k, REDACTED if k.lower() in SECRET_PARAMS else v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
    ]
    query = urlencode(pairs, safe="[],:*")
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, parts.fragment))


def redact_text(text: str) -> str:
    """Secrets written as ``name=value`` in free text (a URL in a log line, an echoed form body)."""
    return SECRET_ASSIGNMENT.sub(lambda m: m.group(1) + REDACTED, text)


def secret_values(params: Mapping[str, object]) -> tuple[str, ...]:
    """The values sent under secret names, raw and URL-encoded: what an echo of them would look like."""
    found: set[str] = set()
    for name, value in params.items():
        if name.lower() not in SECRET_PARAMS or value is None:
            continue
        text = str(value)
        found.update(v for v in (text, quote(text, safe=""), quote_plus(text)) if len(v) >= MIN_SECRET_LENGTH)
    return tuple(sorted(found, key=len, reverse=True))


def scrub_values(text: str, secrets: Iterable[str]) -> str:
    for secret in secrets:
        text = text.replace(secret, REDACTED)
    return text


class RedactSecretsFilter(logging.Filter):
    """urllib3 logs every request line at DEBUG, query string (and so an API key) included."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = redact_text(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        return True


def install_log_redaction() -> None:
    """Idempotent: every session factory call may ask for it."""
    target = logging.getLogger(URLLIB3_LOGGER)
    if not any(isinstance(f, RedactSecretsFilter) for f in target.filters):
        target.addFilter(RedactSecretsFilter())
