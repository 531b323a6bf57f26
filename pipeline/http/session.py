"""One requests Session per API client: connection reuse, and a User-Agent that says who is calling."""

from __future__ import annotations

import requests
from requests.adapters import HTTPAdapter

from pipeline.http.redact import install_log_redaction


def make_session(user_agent: str) -> requests.Session:
    """urllib3's own retries are off: retrying is the retry policy's job, so attempts are counted once."""
    install_log_redaction()
    session = requests.Session()
    session.headers["User-Agent"] = user_agent
    session.headers["Accept"] = "application/json, application/xml;q=0.9, */*;q=0.5"
    adapter = HTTPAdapter(max_retries=0)
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    return session
