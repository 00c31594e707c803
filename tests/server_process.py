"""A real server in a process of its own, for tests that kill it (SIGKILL) and restart it.

``python -m tests.server_process --port P --data-dir D`` serves ``create_app`` with the default
settings on that data directory; ``ServerProcess`` starts, kills and restarts it — or, given
``command`` and ``env``, any server (``semdict serve`` configured from the environment).
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import uvicorn

from server.app import create_app
from server.settings import Settings

REPO = Path(__file__).resolve().parents[1]


class ServerProcess:
    def __init__(
        self,
        data_dir: Path,
        port: int,
        *,
        startup_timeout_s: float = 180.0,
        command: list[str] | None = None,
        env: dict[str, str] | None = None,
    ) -> None:
        self.data_dir = data_dir
        self.port = port
        self.command = command or [
            *(sys.executable, "-m", "tests.server_process"),
            *("--port", str(port), "--data-dir", str(data_dir)),
        ]
        self.env = None if env is None else {**os.environ, **env}
        self.startup_timeout_s = startup_timeout_s
        self.base = f"http://127.0.0.1:{port}"
        self._proc: subprocess.Popen[bytes] | None = None
        self.kills = 0
        self.starts = 0

    def start(self) -> None:
        """Start the server and wait (with a deadline) until it answers."""
        log = (self.data_dir / f"server-{self.starts}.log").open("wb")
        self._proc = subprocess.Popen(
            self.command, cwd=REPO, stdout=log, stderr=subprocess.STDOUT, env=self.env
        )
        self.starts += 1
        deadline = time.monotonic() + self.startup_timeout_s
        while True:
            if self._proc.poll() is not None:
                code = self._proc.returncode
                raise RuntimeError(f"the server exited with {code}; see {log.name}")
            try:
                if httpx.get(f"{self.base}/healthz", timeout=2).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise TimeoutError("the server did not start in time")
            time.sleep(0.2)

    def kill(self) -> None:
        """SIGKILL: no shutdown, no flush — as a power cut looks to the process."""
        assert self._proc is not None
        os.kill(self._proc.pid, signal.SIGKILL)
        self._proc.wait(timeout=30)
        self.kills += 1

    def stop(self) -> None:
        if self._proc is None or self._proc.poll() is not None:
            return
        self._proc.terminate()
        try:
            self._proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            self._proc.wait(timeout=30)

    def __enter__(self) -> ServerProcess:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.stop()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--data-dir", type=Path, required=True)
    args = parser.parse_args()
    app = create_app(Settings(data_dir=args.data_dir))
    uvicorn.run(app, host="127.0.0.1", port=args.port, log_level="warning", ws="websockets-sansio")


if __name__ == "__main__":
    main()
