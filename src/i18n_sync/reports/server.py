"""The review page's HTTP layer: the standard library's server, on 127.0.0.1 only, for one session.

Every request must carry the session's token, drawn at random when the server
starts: the page's own URL has it in its query (``/?token=...``), and the page's
script sends it in the ``X-I18n-Sync-Token`` header. A request with another
Host than the server's own address (DNS rebinding) or from another origin is
refused as well. Requests name a catalogue and an entry; `review.ReviewSession`
only acts on catalogues of the project's plan, so no path comes from a request.
"""

from __future__ import annotations

import json
import secrets
import threading
from collections.abc import Callable
from hmac import compare_digest
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from i18n_sync.errors import I18nSyncError
from i18n_sync.project.config import Config
from i18n_sync.project.sync import check_environment
from i18n_sync.reports.page import Editing, format_page, preview_page, static_file
from i18n_sync.reports.review import Entry, ReviewError, ReviewSession

TOKEN_HEADER = "X-I18n-Sync-Token"
HOST = "127.0.0.1"
PAGE_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src https: data:; "
    "frame-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
_ASSETS = {
    "/static/review.js": "text/javascript; charset=utf-8",
    "/static/review.css": "text/css; charset=utf-8",
    "/static/preview.css": "text/css; charset=utf-8",
}
_MAX_BODY = 4_000_000  # bytes of one request: a translation is far smaller


class ReviewServer(ThreadingHTTPServer):
    """The review page of one project, until `shutdown`; `url` is what to open (token included)."""

    daemon_threads = True

    def __init__(self, session: ReviewSession, port: int = 0, title: str = "Translation review") -> None:
        super().__init__((HOST, port), _Handler)
        self.session = session
        self.title = title
        self.token = secrets.token_urlsafe(24)
        self.lock = threading.Lock()  # one request at a time touches the project

    @property
    def port(self) -> int:
        """The port the server listens on (a free one the system chose, unless one was given)."""
        return int(self.server_address[1])

    @property
    def url(self) -> str:
        """The page's address, with the session's token."""
        return f"http://{HOST}:{self.port}/?token={self.token}"


def start_review(config: Config, port: int = 0) -> ReviewServer:
    """Listen on 127.0.0.1 (`port`, or a free one for 0); `serve_forever` then serves the page.

    `UsageError` for a malformed ``I18N_SYNC_JOBS`` or ``SOURCE_DATE_EPOCH``, before it
    listens: every page would fail on it."""
    check_environment()
    session = ReviewSession(config, "i18nsync" + secrets.token_hex(8))
    try:
        return ReviewServer(session, port, f"Translation review: {config.root.resolve().name}")
    except OSError as error:
        raise I18nSyncError(
            f"cannot listen on {HOST}:{port}: {error.strerror}; pick another port with --port"
        ) from None


class _BadRequest(Exception):
    pass


def _text_field(data: dict[str, Any], name: str) -> str:
    value = data.get(name)
    if not isinstance(value, str):
        raise _BadRequest(f"'{name}' must be a string")
    return value


def _entry(data: dict[str, Any]) -> Entry:
    return Entry(_text_field(data, "source"), _text_field(data, "catalog"), _text_field(data, "msgid"))


class _Handler(BaseHTTPRequestHandler):
    server: ReviewServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the command line prints the address once, and nothing per request."""

    # --- answering ------------------------------------------------------------------------

    def _send(self, status: int, body: bytes, content_type: str, policy: str = PAGE_CSP) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Content-Security-Policy", policy)
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Referrer-Policy", "no-referrer")
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(body)

    def _json(self, status: int, data: dict[str, Any]) -> None:
        body = json.dumps(data, ensure_ascii=False).encode("utf-8")
        self._send(status, body, "application/json; charset=utf-8", "default-src 'none'")

    def _refuse(self, status: HTTPStatus, message: str) -> None:
        self._send(status, message.encode("utf-8") + b"\n", "text/plain; charset=utf-8", "default-src 'none'")

    # --- who may ask ----------------------------------------------------------------------

    def _hosts(self) -> tuple[str, str]:
        return (f"{HOST}:{self.server.port}", f"localhost:{self.server.port}")

    def _host_ok(self) -> bool:
        return self.headers.get("Host", "") in self._hosts()

    def _origin_ok(self) -> bool:
        origin = self.headers.get("Origin")
        return origin is None or origin in [f"http://{host}" for host in self._hosts()]

    # --- GET: the page and its assets -----------------------------------------------------

    def do_GET(self) -> None:  # the name http.server calls
        url = urlsplit(self.path)
        token = parse_qs(url.query).get("token", [""])[0]
        if not self._host_ok():
            self._refuse(HTTPStatus.MISDIRECTED_REQUEST, "unknown host")
        elif not compare_digest(token.encode(), self.server.token.encode()):
            self._refuse(HTTPStatus.FORBIDDEN, "open the address i18n-sync review printed (it has the token)")
        elif url.path == "/":
            self._page()
        elif url.path in _ASSETS:
            self._send(HTTPStatus.OK, static_file(url.path.rsplit("/", 1)[1]).encode(), _ASSETS[url.path])
        else:
            self._refuse(HTTPStatus.NOT_FOUND, "no such page")

    def _page(self) -> None:
        try:
            with self.server.lock:
                review = self.server.session.review()
        except I18nSyncError as error:
            self._refuse(HTTPStatus.INTERNAL_SERVER_ERROR, f"Error: {error}")
            return
        page = format_page(review, self.server.title, Editing(self.server.token))
        self._send(HTTPStatus.OK, page.encode("utf-8"), "text/html; charset=utf-8")

    # --- POST: the API --------------------------------------------------------------------

    def do_POST(self) -> None:  # the name http.server calls
        routes: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
            "/api/check": self._check,
            "/api/preview": self._preview,
            "/api/save": self._save,
        }
        token = self.headers.get(TOKEN_HEADER, "")
        if not self._host_ok() or not self._origin_ok():
            self._json(HTTPStatus.FORBIDDEN, {"error": "request from another site refused"})
        elif not compare_digest(token.encode(), self.server.token.encode()):
            self._json(HTTPStatus.FORBIDDEN, {"error": "wrong or missing session token; reload the page"})
        elif self.path not in routes:
            self._json(HTTPStatus.NOT_FOUND, {"error": "no such action"})
        else:
            self._answer(routes[self.path])

    def _answer(self, action: Callable[[dict[str, Any]], dict[str, Any]]) -> None:
        try:
            data = self._body()
            with self.server.lock:
                result = action(data)
        except _BadRequest as error:
            self._json(HTTPStatus.BAD_REQUEST, {"error": str(error)})
        except ReviewError as error:
            status = HTTPStatus.CONFLICT if error.conflict else HTTPStatus.UNPROCESSABLE_ENTITY
            self._json(status, {"error": str(error), "conflict": error.conflict})
        except I18nSyncError as error:
            self._json(HTTPStatus.UNPROCESSABLE_ENTITY, {"error": str(error)})
        else:
            self._json(HTTPStatus.OK, result)

    def _body(self) -> dict[str, Any]:
        if self.headers.get_content_type() != "application/json":
            raise _BadRequest("send JSON")
        try:
            length = int(self.headers.get("Content-Length", ""))
        except ValueError:
            raise _BadRequest("missing Content-Length") from None
        if not 0 <= length <= _MAX_BODY:
            raise _BadRequest("request too large")
        try:
            data = json.loads(self.rfile.read(length).decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError):
            raise _BadRequest("not JSON") from None
        if not isinstance(data, dict):
            raise _BadRequest("send a JSON object")
        return data

    def _check(self, data: dict[str, Any]) -> dict[str, Any]:
        findings = self.server.session.check(_entry(data), _text_field(data, "msgstr"))
        return {"findings": [{"check": f.check, "level": f.level, "message": f.message} for f in findings]}

    def _preview(self, data: dict[str, Any]) -> dict[str, Any]:
        preview = self.server.session.preview(_entry(data), _text_field(data, "msgstr"))
        token = self.server.token
        return {
            "english": preview_page(preview.english, token),
            "translated": preview_page(preview.translated, token),
            "used": preview.used,
        }

    def _save(self, data: dict[str, Any]) -> dict[str, Any]:
        fuzzy = data.get("fuzzy", False)
        if not isinstance(fuzzy, bool):
            raise _BadRequest("'fuzzy' must be true or false")
        saved = self.server.session.save(
            _entry(data), _text_field(data, "msgstr"), fuzzy, _text_field(data, "digest")
        )
        return {"digest": saved.digest, "state": saved.state, "written": saved.written}
