"""What the tests need from this machine, and the servers they start on it.

A missing service or tool skips a test locally and fails it under CI (`CI=true`), where every
test must really run. Ports are picked when a server starts, never at import.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from shop import ROOT
from tests.factories import STRIPE_KEYS, TEST_SECRET_KEY

IN_CI = os.environ.get("CI") == "true"
#: Debian's Chromium, for Playwright and the audit tools alike.
CHROMIUM = Path("/usr/bin/chromium")
#: The Stripe address of app servers nothing pays through: port 9 (discard) refuses at once.
NO_STRIPE = "http://127.0.0.1:9"


def require(reason: str) -> None:
    """Skip locally, but fail under CI, where every test must really run."""
    __tracebackhide__ = True  # report the caller's line, which says what is missing
    if IN_CI:
        pytest.fail(f"{reason} (required under CI)")
    pytest.skip(reason)


def free_port() -> int:
    """A loopback port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def localstripe(url: str) -> Iterator[str]:
    """A real local Stripe API server (the `localstripe` package) on `url`'s port."""
    binary = Path(sys.executable).with_name("localstripe")
    process = subprocess.Popen(
        [str(binary), "--port", url.rsplit(":", 1)[1]],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url + "/v1/charges", timeout=1)
        except urllib.error.HTTPError:
            break  # it answers (401 without a key): it is up
        except OSError:
            time.sleep(0.1)
    else:
        process.kill()
        pytest.fail("localstripe did not start")
    try:
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


def stop_all(processes: list[subprocess.Popen], timeout: float) -> None:
    """Ask every process to stop, then kill each one still running `timeout` seconds later."""
    for process in processes:
        process.terminate()
    for process in processes:
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def wait_until_up(url: str, process: subprocess.Popen, log: Path, timeout: float = 30) -> None:
    """Poll /healthz until the server answers 200, or fail with what it said."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            break
        try:
            with urllib.request.urlopen(url + "/healthz", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    process.terminate()
    process.wait(timeout=10)
    pytest.fail(f"the app server at {url} did not come up:\n{log.read_text()[-3000:]}")


class AppServers:
    """The shop under gunicorn (scripts/serve.sh, as `make run` serves it), on free ports."""

    def __init__(self, log_dir: Path) -> None:
        self.log_dir = log_dir
        self.processes: list[subprocess.Popen] = []

    def start(self, env: dict[str, str], workers: int = 1) -> str:
        """Start one more app server with these settings; its base URL once it answers."""
        port = free_port()
        environment = {
            **os.environ,
            "PORT": str(port),
            "WEB_CONCURRENCY": str(workers),
            "SECRET_KEY": TEST_SECRET_KEY,
            "LOG_LEVEL": "WARNING",
            # No jobs worker beside the server unless a test asks for one: on two cores it
            # only slows the servers' start.
            "EMBEDDED_WORKER": "0",
            # Keys given, so serve.sh starts no Stripe sandbox of its own.
            **STRIPE_KEYS,
            "STRIPE_API_BASE": NO_STRIPE,
            **env,
        }
        log = self.log_dir / f"server-{port}.log"
        with log.open("w") as output:
            process = subprocess.Popen(
                [str(ROOT / "scripts" / "serve.sh")], env=environment, cwd=ROOT,
                stdout=output, stderr=subprocess.STDOUT,
            )
        self.processes.append(process)
        url = f"http://127.0.0.1:{port}"
        wait_until_up(url, process, log)
        return url

    def stop(self) -> None:
        """Stop every server started here."""
        stop_all(self.processes, timeout=15)
