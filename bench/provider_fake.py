"""bench/reliability.py's email provider: an HTTP fake on localhost, and the email backend that
talks to it. Not a benchmark itself; see bench/reliability.py.

The fake answers each call at random, at the rates it is given: 500 (a provider error), 429 (a
rate limit), a timeout (it holds the request past the client's timeout and then answers 504: it
did *not* accept the message), or 202 (accepted). It counts calls and acceptances per outbox
message id, so the run can tell a message accepted twice (a duplicate) from one never accepted.

`EmailBackend` is a Django email backend (EMAIL_BACKEND=provider_fake.EmailBackend in the
workers) that POSTs each message's outbox id to FAKE_PROVIDER_URL and turns the answers into
what anymail raises, so the real email channel classifies them (5xx/429: transient).
"""

import json
import os
import random
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from anymail.exceptions import AnymailAPIError
from django.core.mail.backends.base import BaseEmailBackend

CLIENT_TIMEOUT = 2.0


class Provider:
    """The fake's state: calls and acceptances per message id, and the answers' rates."""

    def __init__(self, *, error_rate: float, throttle_rate: float, timeout_rate: float, latency: float, seed: int):
        self.rates = (error_rate, throttle_rate, timeout_rate)
        self.latency = latency
        self.random = random.Random(seed)
        self.lock = threading.Lock()
        self.calls: Counter[int] = Counter()
        self.accepted: Counter[int] = Counter()
        self.answers: Counter[str] = Counter()

    def answer(self, message_id: int) -> str:
        with self.lock:
            self.calls[message_id] += 1
            roll = self.random.random()
            error, throttle, timeout = self.rates
            if roll < error:
                outcome = "500"
            elif roll < error + throttle:
                outcome = "429"
            elif roll < error + throttle + timeout:
                outcome = "timeout"
            else:
                outcome = "202"
                self.accepted[message_id] += 1
            self.answers[outcome] += 1
        return outcome


def serve(provider: Provider) -> ThreadingHTTPServer:
    """Start the fake on a free localhost port, in a daemon thread; its URL is server_address."""

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            outcome = provider.answer(int(body["outbox_id"]))
            time.sleep(provider.latency)
            if outcome == "timeout":
                time.sleep(CLIENT_TIMEOUT + 0.5)
            status = {"timeout": 504}.get(outcome) or int(outcome)
            try:
                self.send_response(status)
                self.end_headers()
                self.wfile.write(b"{}")
            except OSError:
                pass  # the client gave up (the timeout case)

        def do_GET(self) -> None:
            """The counts so far, for a person poking at a run by hand."""
            with provider.lock:
                body = {"calls": provider.calls, "accepted": provider.accepted, "answers": provider.answers}
            self.send_response(200)
            self.end_headers()
            self.wfile.write(json.dumps(body).encode())

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, name="provider-fake", daemon=True).start()
    return server


class EmailBackend(BaseEmailBackend):
    """Sends each message's outbox id to the fake (in the workers)."""

    def send_messages(self, email_messages) -> int:
        url = os.environ["FAKE_PROVIDER_URL"]
        sent = 0
        for message in email_messages:
            data = json.dumps({"outbox_id": message.metadata["outbox_id"]}).encode()
            request = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"})  # noqa: S310
            try:
                with urllib.request.urlopen(request, timeout=CLIENT_TIMEOUT):  # noqa: S310 - localhost fake
                    sent += 1
            except urllib.error.HTTPError as exc:
                response = _Response(exc.code, exc.reason)
                raise AnymailAPIError("fake provider error", status_code=exc.code, response=response) from exc
        return sent


class _Response:
    """What anymail's errors read of a requests.Response."""

    def __init__(self, status_code: int, reason: str):
        self.status_code, self.reason, self.text = status_code, reason, ""

    def json(self) -> dict:
        raise ValueError("no JSON")
