"""The browser tests' live server leaves nothing open when a browser resets a connection."""

from __future__ import annotations

import gc
import socket
import struct
import sys
import time
from typing import Any
from urllib.parse import urlsplit

import pytest


def test_a_reset_connection_leaves_no_static_file_open(
    live_server: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A browser that navigates on before a script arrives resets its connection; werkzeug's
    # dev server then skipped closing the file (a ResourceWarning in most of these requests).
    ignored: list[Any] = []
    monkeypatch.setattr(sys, "unraisablehook", ignored.append)
    address = urlsplit(live_server)
    for _ in range(40):
        client = socket.create_connection((address.hostname, address.port))
        client.sendall(b"GET /static/js/scroll_regions.js HTTP/1.1\r\nHost: test\r\n\r\n")
        time.sleep(0.002)
        client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        client.close()  # linger 0: a reset, as a browser's abandoned request
    time.sleep(0.3)  # the server's threads finish with their connections
    gc.collect()
    assert [str(u.exc_value) for u in ignored] == []
