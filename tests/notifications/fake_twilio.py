"""A fake Twilio Messages API on a local port: the provider edge, and nothing of ours, is faked.

The real SDK talks to it over HTTP (TWILIO_API_BASE_URL), so timeouts, status codes and error
bodies go through the same code as in production. Script its answers with `answer(...)`;
unscripted calls are accepted with 201 like Twilio's. `calls` lists what it was sent.
"""

import json
import threading
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from itertools import count
from urllib.parse import parse_qs

import pytest

ACCOUNT_SID = "AC" + "0" * 32
AUTH_TOKEN = "test-auth-token"
FROM = "+15005550006"  # Twilio's magic "valid From" test number


@dataclass
class Reply:
    status: int = 201
    body: dict = field(default_factory=dict)
    hang_seconds: float = 0  # wait this long before answering, like a Twilio that hangs


def created(sid: str = "", status: str = "queued") -> Reply:
    return Reply(201, {"sid": sid, "status": status})


def rate_limited() -> Reply:
    return Reply(429, {"code": 20429, "message": "Too Many Requests", "status": 429})


def error(code: int, message: str, status: int = 400) -> Reply:
    """An error the way Twilio's REST API answers one."""
    return Reply(status, {"code": code, "message": message, "more_info": f"https://www.twilio.com/docs/errors/{code}"})


def hang(seconds: float) -> Reply:
    return Reply(201, {}, hang_seconds=seconds)


class FakeTwilio:
    def __init__(self) -> None:
        self.calls: list[dict[str, str]] = []
        self._script: deque[Reply] = deque()
        self._sids = count(1)
        self._lock = threading.Lock()
        self._released = threading.Event()  # lets hung answers end when the test does
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def answer(self, *replies: Reply) -> None:
        """Answer the next calls with these replies, in order."""
        self._script.extend(replies)

    def start(self) -> "FakeTwilio":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._released.set()
        self._server.shutdown()
        self._server.server_close()

    def _next(self, form: dict[str, str]) -> Reply:
        with self._lock:
            self.calls.append(form)
            reply = self._script.popleft() if self._script else created()
            number = next(self._sids)
        if reply.status == 201:
            # A Message resource as Twilio returns it (the fields the SDK reads, at least).
            reply = Reply(
                201,
                {
                    "sid": reply.body.get("sid") or f"SM{number:032x}",
                    "account_sid": ACCOUNT_SID,
                    "status": reply.body.get("status", "queued"),
                    "to": form.get("To", ""),
                    "from": form.get("From"),
                    "messaging_service_sid": form.get("MessagingServiceSid"),
                    "body": form.get("Body", ""),
                    "error_code": None,
                    "error_message": None,
                    "num_segments": "1",
                    "direction": "outbound-api",
                    "api_version": "2010-04-01",
                },
                reply.hang_seconds,
            )
        return reply

    def _handler(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                form = {k: v[-1] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
                if self.path != f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json":
                    self._send(Reply(404, {"code": 20404, "message": "The requested resource was not found"}))
                    return
                reply = fake._next(form)
                if reply.hang_seconds:
                    fake._released.wait(reply.hang_seconds)
                self._send(reply)

            def _send(self, reply: Reply) -> None:
                payload = json.dumps({"status": reply.status, **reply.body} if reply.status >= 400 else reply.body)
                try:
                    self.send_response(reply.status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload.encode())
                except OSError:
                    pass  # the client gave up waiting (a timeout test): nobody to answer

            def log_message(self, format, *args):  # keep the test output clean
                pass

        return Handler


@pytest.fixture(name="fake_twilio")
def fake_twilio_fixture(settings, monkeypatch):
    """A running fake Twilio, with the Twilio SMS backend pointed at it."""
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")  # a developer's HTTP(S)_PROXY must not catch it
    monkeypatch.setenv("no_proxy", "127.0.0.1")
    fake = FakeTwilio().start()
    settings.SMS_BACKEND = "notifications.channels.twilio.TwilioBackend"
    settings.TWILIO_ACCOUNT_SID = ACCOUNT_SID
    settings.TWILIO_AUTH_TOKEN = AUTH_TOKEN
    settings.TWILIO_FROM = FROM
    settings.TWILIO_MESSAGING_SERVICE_SID = ""
    settings.TWILIO_API_BASE_URL = fake.base_url
    settings.TWILIO_TIMEOUT_SECONDS = 5
    yield fake
    fake.stop()
