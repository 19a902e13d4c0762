"""Webhook mode for end-to-end runs: a free loopback port and the settings that use it."""

from __future__ import annotations

import os
import socket

SECRET = "s3cret_Token-for-tests"
#: `DUTYDESK_E2E_MODE=webhook pytest tests/e2e` runs the whole suite with the fake pushing to webhooks
WEBHOOK_SUITE = os.environ.get("DUTYDESK_E2E_MODE", "polling") == "webhook"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def webhook_settings(port: int | None = None) -> dict[str, object]:
    port = port or free_port()
    return {
        "webhook_url": f"http://127.0.0.1:{port}/telegram",
        "webhook_secret": SECRET,
        "webhook_listen": f"127.0.0.1:{port}",
    }
