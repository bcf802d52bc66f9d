"""An in-process SMTP server (aiosmtpd) that keeps what it receives, for email tests."""

import email
import email.policy
import socket
import threading

from aiosmtpd.controller import Controller


def _free_port(host):
    with socket.socket() as probe:
        probe.bind((host, 0))
        return probe.getsockname()[1]


class _Handler:
    def __init__(self, sink):
        self.sink = sink

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self.sink.lock:
            self.sink.messages.append(message)
        return "250 Message accepted for delivery"


class SMTPSink:
    def __init__(self, host="127.0.0.1"):
        self.host = host
        self.messages = []
        self.lock = threading.Lock()
        self.port = _free_port(host)
        self.controller = Controller(_Handler(self), hostname=host, port=self.port)

    def start(self):
        self.controller.start()

    def stop(self):
        self.controller.stop()

    def clear(self):
        with self.lock:
            self.messages.clear()

    def to(self, address):
        with self.lock:
            return [m for m in self.messages if address in m["To"]]

    def wait_for(self, address, count=1, timeout=10):
        """Messages to `address`, waiting for a background worker to send them."""
        import time

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.to(address)
            if len(found) >= count:
                return found
            time.sleep(0.05)
        return self.to(address)
