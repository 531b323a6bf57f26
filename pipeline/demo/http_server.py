"""Serve a WSGI app on the loopback interface from a background thread, for as long as a block runs.

werkzeug's threaded server (the one pytest-httpserver runs) parses query strings and form bodies and
frames HTTP/1.1 responses, so the API stand-ins only describe what each endpoint answers.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Collection, Iterable, Mapping
from typing import Any

from werkzeug import Request, Response
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

# How often the serving loop checks for a stop request: werkzeug's 0.5 s default is what a stop costs.
POLL_SECONDS = 0.05
LOOPBACK = "127.0.0.1"


Endpoint = Callable[[Request], Response]


def answer(
    environ: dict[str, Any],
    start_response: Any,
    routes: Mapping[str, Endpoint],
    methods: Collection[str] = ("GET", "POST"),
) -> Iterable[bytes]:
    """A stand-in's WSGI answer: the endpoint for the request's path; 405 for another method, else 404."""
    request = Request(environ)
    endpoint = routes.get(request.path)
    if request.method not in methods:
        response = Response("method not allowed", status=405, mimetype="text/plain")
    elif endpoint is None:
        response = Response(f"not found: {request.path}", status=404, mimetype="text/plain")
    else:
        response = endpoint(request)
    return response(environ, start_response)


class _RequestLogHandler(WSGIRequestHandler):
    """One INFO line per request on this module's logger (the run log file), not werkzeug's stderr."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        logging.getLogger(__name__).info('"%s" %s', self.requestline, code)


class LocalServer:
    """A threaded HTTP server for one WSGI app; use as a context manager or ``start``/``stop``."""

    def __init__(self, app: Any, host: str = LOOPBACK, port: int = 0) -> None:
        self.app = app
        self.host = host
        self.port = port
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> LocalServer:
        server = make_server(
            self.host, self.port, self.app, threaded=True, request_handler=_RequestLogHandler
        )
        self._server = server
        self.port = server.server_port
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": POLL_SECONDS}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        server, self._server = self._server, None
        if server is None:
            return
        server.shutdown()
        server.server_close()
        if self._thread is not None:
            self._thread.join()

    def is_running(self) -> bool:
        return self._server is not None

    def url_for(self, path: str) -> str:
        return f"http://{self.host}:{self.port}{path}"

    def __enter__(self) -> LocalServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
