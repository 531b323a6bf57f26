"""Strip secrets from URLs before they reach logs, error messages or the raw-zone manifest."""

from __future__ import annotations

import logging
import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

SECRET_PARAMS = frozenset({"api_key", "apikey", "key", "access_token", "token", "password", "email"})
REDACTED = "***"
SECRET_IN_QUERY = re.compile(r"(?i)([?&](?:" + "|".join(sorted(SECRET_PARAMS)) + r")=)[^&\s\"']*")
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
    """Secrets inside any URL in free text (a log line, an exception message)."""
    return SECRET_IN_QUERY.sub(lambda m: m.group(1) + REDACTED, text)


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
