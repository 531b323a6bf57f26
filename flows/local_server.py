"""The Prefect API that ``evidence serve`` registers its schedule with, and that the other commands use
while it runs.

Prefect's temporary in-process server never runs schedules, so a schedule needs a real server: the
one named by ``PREFECT_API_URL`` (checked before use, so a typo fails in one line instead of a retry
loop), else a ``prefect server start`` child process on a free local port that lives exactly as long
as the command does. While it lives, its address is in ``<data_dir>/logs/prefect-server.url``: a
``refresh`` or ``rebuild`` with the same data folder and no ``PREFECT_API_URL`` runs its flow there,
and so skips the 7-14 s of starting Prefect's temporary server (its runs then show in that server's
UI too). A file left by a server that died is ignored: the address no longer answers.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from pipeline.errors import PipelineError

API_URL_ENV_VAR = "PREFECT_API_URL"
HOST = "127.0.0.1"
HEALTH_TIMEOUT_SECONDS = 5.0
PROBE_TIMEOUT_SECONDS = 1.0  # a local server that does not answer this fast is not used
SERVER_URL_FILE = "logs/prefect-server.url"  # under storage.data_dir, while `evidence serve` runs
POLL_SECONDS = 0.5
STOP_TIMEOUT_SECONDS = 15.0


class PrefectServerError(PipelineError):
    """The Prefect API does not answer, or the local server did not start."""


def health_url(api_url: str) -> str:
    return f"{api_url.rstrip('/')}/health"


def answers(api_url: str, timeout: float = HEALTH_TIMEOUT_SECONDS) -> str | None:
    """None when the API's health check says OK, else why not (for the error message)."""
    try:
        with urllib.request.urlopen(health_url(api_url), timeout=timeout) as response:
            return None if response.status == 200 else f"HTTP {response.status}"
    except urllib.error.HTTPError as exc:
        return f"HTTP {exc.code}"
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        return str(reason) or type(exc).__name__


def check_api(api_url: str) -> None:
    """Fail in one line if the configured server is down, instead of Prefect's minutes of retries."""
    problem = answers(api_url)
    if problem is not None:
        raise PrefectServerError(
            f"the Prefect API in {API_URL_ENV_VAR} ({api_url}) does not answer ({problem}); start that "
            f"server, or unset {API_URL_ENV_VAR} to let `evidence serve` start a local one"
        )


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def _last_line(path: Path) -> str:
    lines = [line for line in path.read_text(encoding="utf-8", errors="replace").splitlines() if line.strip()]
    return lines[-1].strip() if lines else "(empty)"


def _wait_until_healthy(api_url: str, process: subprocess.Popen[bytes], timeout: float, log: Path) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise PrefectServerError(
                f"the local Prefect server exited with code {process.returncode} while starting; "
                f"see {log} (last line: {_last_line(log)})"
            )
        if answers(api_url) is None:
            return
        time.sleep(POLL_SECONDS)
    raise PrefectServerError(
        f"the local Prefect server did not answer on {health_url(api_url)} within {timeout:g} s; see {log}"
    )


def _stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM the server's own process group (it was started in a new session), SIGKILL if it hangs."""
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=STOP_TIMEOUT_SECONDS)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


@contextmanager
def local_server(startup_timeout: float, log: Path) -> Iterator[str]:
    """Run ``prefect server start`` on a free local port; yield its API URL; stop it on exit.

    A new session keeps the terminal's Ctrl-C away from the server, so the serve loop shuts down
    first and the server is stopped after it, not under it.
    """
    port = free_port()
    api_url = f"http://{HOST}:{port}/api"
    log.parent.mkdir(parents=True, exist_ok=True)
    env = {key: value for key, value in os.environ.items() if key != API_URL_ENV_VAR}
    env.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    command = [sys.executable, "-m", "prefect", "server", "start", "--host", HOST, "--port", str(port)]
    with log.open("ab") as log_file:
        process = subprocess.Popen(
            command, stdout=log_file, stderr=subprocess.STDOUT, env=env, start_new_session=True
        )
    try:
        _wait_until_healthy(api_url, process, startup_timeout, log)
        yield api_url
    finally:
        _stop(process)


@contextmanager
def using_api(api_url: str) -> Iterator[None]:
    """Point this process's Prefect client, and the flow-run processes it spawns, at ``api_url``."""
    from prefect.settings import PREFECT_API_URL, temporary_settings

    previous = os.environ.get(API_URL_ENV_VAR)
    os.environ[API_URL_ENV_VAR] = api_url
    try:
        with temporary_settings({PREFECT_API_URL: api_url}):
            yield
    finally:
        if previous is None:
            os.environ.pop(API_URL_ENV_VAR, None)
        else:
            os.environ[API_URL_ENV_VAR] = previous


@contextmanager
def prefect_api(startup_timeout: float, log: Path) -> Iterator[str]:
    """The server in ``PREFECT_API_URL`` if set (checked), else a local one for the duration."""
    configured = os.environ.get(API_URL_ENV_VAR)
    if configured:
        check_api(configured)
        yield configured
        return
    with local_server(startup_timeout, log) as api_url, using_api(api_url):
        yield api_url


@contextmanager
def announced(api_url: str, url_file: Path) -> Iterator[None]:
    """While the block runs, ``url_file`` names the server at ``api_url`` for the other commands."""
    url_file.parent.mkdir(parents=True, exist_ok=True)
    url_file.write_text(api_url, encoding="utf-8")
    try:
        yield
    finally:
        with suppress(OSError):
            if url_file.read_text(encoding="utf-8") == api_url:  # not a later serve's
                url_file.unlink()


@contextmanager
def serve_api_if_running(url_file: Path) -> Iterator[str | None]:
    """Run the block against the server ``url_file`` names, if ``PREFECT_API_URL`` is unset and that
    server answers; yields its URL, or None (then Prefect starts its temporary server as usual)."""
    try:
        api_url = url_file.read_text(encoding="utf-8").strip()
    except OSError:
        api_url = ""
    if not api_url or os.environ.get(API_URL_ENV_VAR) or answers(api_url, PROBE_TIMEOUT_SECONDS) is not None:
        yield None
        return
    with using_api(api_url):
        yield api_url
