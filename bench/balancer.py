"""A local load balancer for the bench: Debian's nginx, round robin over app servers on
loopback ports, started as an ordinary foreground process with every file in a work folder
(no system configuration touched), stopped on the way out."""

from __future__ import annotations

import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

HOST = "127.0.0.1"

_CONF = """
worker_processes 1;
daemon off;
pid {work}/nginx.pid;
error_log {work}/nginx-error.log warn;
events {{ worker_connections 8192; }}
http {{
    access_log off;
    client_body_temp_path {work}/body;
    proxy_temp_path {work}/proxy;
    fastcgi_temp_path {work}/fastcgi;
    uwsgi_temp_path {work}/uwsgi;
    scgi_temp_path {work}/scgi;
    upstream app {{
{servers}
    }}
    server {{
        listen {host}:{port} backlog=4096;
        location / {{
            proxy_pass http://app;
            proxy_http_version 1.1;
            proxy_set_header Host $host;
            proxy_set_header X-Forwarded-For $remote_addr;
            proxy_next_upstream off;  # a save is not retried on the other server behind its back
        }}
    }}
}}
"""


def available() -> bool:
    return shutil.which("nginx") is not None or Path("/usr/sbin/nginx").exists()


@contextmanager
def nginx(upstream_ports: list[int], work: Path) -> Iterator[str]:
    """nginx in front of the given ports; yields its base URL."""
    work.mkdir(parents=True, exist_ok=True)
    with socket.socket() as s:
        s.bind((HOST, 0))
        port = int(s.getsockname()[1])
    servers = "\n".join(f"        server {HOST}:{p};" for p in upstream_ports)
    conf = work / "nginx.conf"
    conf.write_text(_CONF.format(work=work, servers=servers, host=HOST, port=port))
    binary = shutil.which("nginx") or "/usr/sbin/nginx"
    log = (work / "nginx.out").open("wb")
    process = subprocess.Popen(
        [binary, "-c", str(conf), "-p", str(work), "-e", str(work / "nginx-error.log")],
        stdout=log,
        stderr=log,
    )
    try:
        deadline = time.monotonic() + 10
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"nginx exited: {(work / 'nginx-error.log').read_text()}")
            try:
                socket.create_connection((HOST, port), timeout=0.2).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError("nginx did not start listening") from None
                time.sleep(0.05)
        yield f"http://{HOST}:{port}"
    finally:
        process.send_signal(signal.SIGQUIT)  # graceful
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)
        log.close()
