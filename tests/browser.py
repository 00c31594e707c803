"""Debian's chromium driven by Playwright, with a WAV file as its microphone (browser tests)."""

from __future__ import annotations

import shutil
import socket
import struct
import threading
import wave
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import pytest
from playwright.sync_api import Browser, sync_playwright

from asr.audio import SAMPLE_RATE, Samples, float_to_pcm16

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--autoplay-policy=no-user-gesture-required",
    "--use-fake-ui-for-media-stream",
    "--use-fake-device-for-media-stream",
]


def write_wav(path: Path, samples: Samples) -> Path:
    """16 kHz mono PCM16: what ``--use-file-for-fake-audio-capture`` plays (in a loop)."""
    pcm = float_to_pcm16(samples)
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(SAMPLE_RATE)
        out.writeframes(pcm)
    return path


@contextmanager
def chromium(microphone: Path) -> Iterator[Browser]:
    """A headless chromium whose microphone plays ``microphone`` (Playwright gives it a fresh
    profile of its own)."""
    if CHROMIUM is None:
        pytest.fail("chromium is not installed: run `bash scripts/setup.sh --dev` (as root)")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                *FLAGS,
                f"--use-file-for-fake-audio-capture={microphone}",
            ],
            ignore_default_args=["--mute-audio"],
        )
        try:
            yield browser
        finally:
            browser.close()


class DroppingProxy:
    """A TCP relay in front of the service whose connections can be cut like a lost Wi-Fi."""

    def __init__(self, upstream_port: int) -> None:
        self.upstream_port = upstream_port
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port: int = self.listener.getsockname()[1]
        self.sockets: list[socket.socket] = []
        self.lock = threading.Lock()
        self.thread = threading.Thread(target=self._accept, name="proxy", daemon=True)

    def __enter__(self) -> DroppingProxy:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.listener.close()
        self.drop()
        self.thread.join(timeout=5)

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return  # closed
            upstream = socket.create_connection(("127.0.0.1", self.upstream_port))
            with self.lock:
                self.sockets += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    @staticmethod
    def _pump(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for s in (source, sink):
                with suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)

    def drop(self) -> None:
        """Reset every open connection (no close handshake); new ones are still accepted."""
        with self.lock:
            cut, self.sockets = self.sockets, []
        for s in cut:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            s.close()
