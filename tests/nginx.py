"""A throw-away nginx (Debian's) in front of local nodes: ``deploy/nginx/semdict.conf``
rendered with a self-signed certificate, free port and temporary logs, run in the foreground
(``nginx -p TMP -c CONF -g 'daemon off;'``). A missing nginx fails the test with what to
install — never a skip (``scripts/setup.sh --dev`` installs it)."""

from __future__ import annotations

import os
import re
import shutil
import socket
import ssl
import subprocess
import time
from pathlib import Path

import pytest

from semdict.bench.live_server import free_port

REPO = Path(__file__).resolve().parents[1]
TEMPLATE = REPO / "deploy" / "nginx" / "semdict.conf"


def render(template: str, values: dict[str, str]) -> str:
    for key, value in values.items():
        template = template.replace("{{" + key + "}}", value)
    left = re.findall(r"\{\{[A-Z_]+\}\}", template)
    assert not left, f"placeholders of the nginx template left unfilled: {left}"
    return template


def self_signed(folder: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 and localhost, valid for a day, and its key."""
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
         "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    return cert, key


class Nginx:
    def __init__(self, root: Path, upstream_ports: list[int]) -> None:
        self.binary = shutil.which("nginx") or "/usr/sbin/nginx"
        if not Path(self.binary).is_file():
            pytest.fail(
                "nginx is not installed: run `bash scripts/setup.sh --dev` as root, "
                "or `apt-get install nginx`"
            )
        self.root = root
        self.port = free_port()
        self.cert, self.key = self_signed(root)
        self.error_log = root / "error.log"
        self.access_log = root / "access.log"
        upstreams = "\n    ".join(
            f"server 127.0.0.1:{p} max_fails=1 fail_timeout=10s;" for p in upstream_ports
        )
        site = render(
            TEMPLATE.read_text(),
            {
                "LISTEN": f"127.0.0.1:{self.port}",
                "SERVER_NAME": "localhost",
                "CERT": str(self.cert),
                "KEY": str(self.key),
                "ACCESS_LOG": str(self.access_log),
                "UPSTREAMS": upstreams,
            },
        )
        (root / "semdict.conf").write_text(site)
        temp = "\n".join(
            f"    {kind}_temp_path {root / kind};"
            for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
        )
        user = "user root;\n" if os.geteuid() == 0 else ""  # workers can read the temp key
        (root / "nginx.conf").write_text(
            f"{user}worker_processes 1;\npid {root / 'nginx.pid'};\n"
            f"error_log {self.error_log} info;\nevents {{ worker_connections 256; }}\n"
            f"http {{\n{temp}\n    include {root / 'semdict.conf'};\n}}\n"
        )
        self._proc: subprocess.Popen[bytes] | None = None

    @property
    def base(self) -> str:
        return f"https://127.0.0.1:{self.port}"

    def client_ssl(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=str(self.cert))

    def start(self, timeout_s: float = 30.0) -> None:
        command = [self.binary, "-p", str(self.root), "-c", str(self.root / "nginx.conf")]
        check = subprocess.run([*command, "-t"], capture_output=True, text=True, check=False)
        assert check.returncode == 0, f"nginx -t refused the configuration: {check.stderr}"
        self._proc = subprocess.Popen([*command, "-g", "daemon off;"])
        deadline = time.monotonic() + timeout_s
        while True:
            assert self._proc.poll() is None, f"nginx exited; see {self.error_log}"
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return
            except OSError:
                assert time.monotonic() < deadline, "nginx did not start listening in time"
                time.sleep(0.05)

    def stop(self) -> None:
        if self._proc is not None and self._proc.poll() is None:
            self._proc.terminate()
            self._proc.wait(timeout=30)

    def __enter__(self) -> Nginx:
        self.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.stop()
