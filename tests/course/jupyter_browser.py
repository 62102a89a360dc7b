"""Shared helpers of the browser tests (test_browser.py: JupyterLab; test_rise.py: RISE slides).

JupyterLab runs on 127.0.0.1 with a random token and fresh Jupyter folders; Debian's chromium (``bash
.ci/install-browser``) is driven through Playwright, never ``playwright install``. Without them the tests skip,
except under CI (``CI`` set), where a missing browser fails them. Screenshots go to ``DDPM_LESSONS_SCREENSHOTS``
when it is set (CI uploads that folder), else to the test's tmp_path.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

CHROMIUM = os.environ.get("DDPM_LESSONS_CHROMIUM", "/usr/bin/chromium")  # another Chromium or Chrome: set this
# Playwright adds "--headless" itself for headless=True (with --hide-scrollbars, --mute-audio), so the copy below is
# dropped when launching rather than passed twice.
BROWSER_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SERVER_START_TIMEOUT = 60  # seconds until /api/status answers
RUN_ALL_TIMEOUT = 120_000  # ms until the explorer is shown and the kernel is idle again
STEP_TIMEOUT = 30_000  # ms for any single browser action or expectation
ERROR_TEXTS = ("Error displaying widget", "Model not found")


def require_browser() -> None:
    """Skip without Playwright or chromium, unless CI is set: there a missing browser is a failure."""
    missing = []
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        missing.append("the playwright package (pip install -e .)")
    if not os.access(CHROMIUM, os.X_OK):
        missing.append(f"{CHROMIUM} (bash .ci/install-browser)")
    if missing:
        reason = "the browser test needs " + " and ".join(missing)
        if os.environ.get("CI"):
            pytest.fail(reason + "; CI must install them (.ci/run calls .ci/install-browser)")
        pytest.skip(reason)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def lab_environment(home: Path) -> dict:
    """An environment with fresh Jupyter folders: no user settings, workspaces or kernels leak in, no news prompt,
    no extension manager (it would query PyPI), and every notebook cell kept in the DOM."""
    dirs = {name: home / name for name in ("config", "data", "runtime", "settings", "workspaces", "ipython")}
    for path in dirs.values():
        path.mkdir(parents=True, exist_ok=True)
    (dirs["config"] / "labconfig").mkdir()
    # The news prompt is turned off by the course's own jupyter_config/ (as `course.py lab` uses it), so that
    # file is what these tests exercise; the extension manager is off here only (it would query PyPI).
    (dirs["config"] / "labconfig" / "page_config.json").write_text(
        json.dumps({"disabledExtensions": {"@jupyterlab/extensionmanager-extension": True}})
    )
    settings = {
        "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {
            "fetchNews": "false",
            "checkForUpdates": False,
        },
        "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
    }
    for name, values in settings.items():
        path = dirs["settings"] / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values))
    env = dict(os.environ)
    env.update(
        JUPYTER_CONFIG_DIR=str(dirs["config"]),
        JUPYTER_DATA_DIR=str(dirs["data"]),
        JUPYTER_RUNTIME_DIR=str(dirs["runtime"]),
        JUPYTERLAB_SETTINGS_DIR=str(dirs["settings"]),
        JUPYTERLAB_WORKSPACES_DIR=str(dirs["workspaces"]),
        IPYTHONDIR=str(dirs["ipython"]),
        JUPYTER_CONFIG_PATH=str(ROOT / "jupyter_config"),
        PATH=os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")]),
    )
    env.setdefault("OMP_NUM_THREADS", "1")  # two cores shared by the kernel and the browser
    return env


def api(base: str, token: str, path: str, method: str = "GET"):
    request = urllib.request.Request(f"{base}{path}", method=method, headers={"Authorization": f"token {token}"})
    with urllib.request.urlopen(request, timeout=5) as response:
        return json.loads(response.read() or b"null")


@contextlib.contextmanager
def jupyterlab(root: Path, home: Path, extra_args: tuple[str, ...] = ()):
    """Run JupyterLab on 127.0.0.1 with a random token; yields ``(base_url, token, log_path)``; stops it fully.
    ``extra_args`` go to ``jupyter lab`` (e.g. the zh edition's ``--LabApp.app_settings_dir``)."""
    env = lab_environment(home)
    port, token = free_port(), secrets.token_urlsafe(24)
    base = f"http://127.0.0.1:{port}"
    log_path = home / "jupyterlab.log"
    command = [
        sys.executable,
        "-m",
        "jupyter",
        "lab",
        "--no-browser",
        f"--port={port}",
        "--ServerApp.port_retries=0",
        "--ServerApp.ip=127.0.0.1",
        f"--IdentityProvider.token={token}",
        f"--ServerApp.root_dir={root}",
        "--ServerApp.open_browser=False",
        "--ServerApp.allow_root=True",
        "--LabApp.news_url=None",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        "--LabApp.extension_manager=readonly",
        *extra_args,
    ]
    with open(log_path, "wb") as log:
        server = subprocess.Popen(
            command,
            cwd=root,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + SERVER_START_TIMEOUT
        while True:
            if server.poll() is not None:
                pytest.fail(f"JupyterLab exited with {server.returncode}:\n{tail(log_path)}")
            try:
                api(base, token, "/api/status")
                break
            except (urllib.error.URLError, ConnectionError, OSError):
                if time.monotonic() > deadline:
                    pytest.fail(f"JupyterLab did not answer within {SERVER_START_TIMEOUT} s:\n{tail(log_path)}")
                time.sleep(0.25)
        yield base, token, log_path
    finally:
        stop_server(server, base, token)


def stop_server(server: subprocess.Popen, base: str, token: str) -> None:
    """Shut down the kernels and the server through the API, then signal the process group if anything is left."""
    if server.poll() is None:
        with contextlib.suppress(Exception):
            for kernel in api(base, token, "/api/kernels"):
                api(base, token, f"/api/kernels/{kernel['id']}", method="DELETE")
        with contextlib.suppress(Exception):
            api(base, token, "/api/shutdown", method="POST")
    for sig, wait in ((None, 10), (signal.SIGTERM, 10), (signal.SIGKILL, 5)):
        if sig is not None and server.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(server.pid, sig)
        with contextlib.suppress(subprocess.TimeoutExpired):
            server.wait(timeout=wait)
        if server.poll() is not None:
            break
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(server.pid, signal.SIGKILL)  # anything the server started in its group


def wait_for_kernel_connection(base: str, token: str, timeout: float = 60) -> None:
    """Wait until one notebook session's kernel is idle with at least one client (the page) connected."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(Exception):
            kernels = [session["kernel"] for session in api(base, token, "/api/sessions")]
            if any(k.get("connections", 0) > 0 and k.get("execution_state") == "idle" for k in kernels):
                return
        time.sleep(0.25)
    pytest.fail(f"the notebook's kernel did not start and connect within {timeout} s")


def tail(path: Path, lines: int = 40) -> str:
    return "\n".join(path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])


def is_local(url: str) -> bool:
    """True for the URLs a page may load with the network cut: the local server, data: and blob: URLs."""
    parsed = urllib.parse.urlsplit(url)
    if parsed.scheme in ("data", "blob", "about", "chrome", "devtools", "file"):
        return True
    return parsed.hostname in ("127.0.0.1", "localhost", "::1")


@contextlib.contextmanager
def chromium_page(offline: list | None = None, viewport: dict | None = None):
    """A page in a fresh headless Chromium (Debian's, through Playwright); closes the browser and the driver.

    With ``offline`` (a list), the network is cut for the page: every request to anything but the local server is
    aborted and its URL appended to ``offline``, so a test can assert that none was even attempted."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[arg for arg in BROWSER_ARGS if arg != "--headless"],
        )  # launch() gives every run a new, temporary user-data dir and removes it on close
        try:
            context = browser.new_context(viewport=viewport or {"width": 1280, "height": 900})
            if offline is not None:

                def cut(route):
                    if is_local(route.request.url):
                        route.continue_()
                    else:
                        offline.append(route.request.url)
                        route.abort("internetdisconnected")

                context.route("**/*", cut)
                context.on("websocket", lambda ws: None if is_local(ws.url) else offline.append(ws.url))
            page = context.new_page()
            page.set_default_timeout(STEP_TIMEOUT)
            yield page
        finally:
            browser.close()


def screenshot_dir(tmp_path: Path) -> Path:
    folder = Path(os.environ.get("DDPM_LESSONS_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def wait_for_idle_kernel(page, base: str, token: str) -> None:
    """Wait until the page's notebook kernel is connected and idle (Run All before that asks for a kernel); the
    status bar says Idle, or 空闲 in the Chinese interface."""
    import re

    from playwright.sync_api import expect

    wait_for_kernel_connection(base, token)
    idle = page.locator(".jp-StatusBar-TextItem").filter(has_text=re.compile(r"ipykernel\)\s*\|\s*(Idle|空闲)"))
    expect(idle).to_be_visible(timeout=60_000)
