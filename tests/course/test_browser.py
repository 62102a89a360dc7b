"""Lesson 02's noising explorer in a real browser: JupyterLab + headless Chromium driven by Playwright.

nbval runs no JavaScript, so it cannot tell whether a widget actually renders and reacts. This test does what a
learner does: it opens a copy of the lesson in JupyterLab, runs all cells from the Run menu, moves the "t" slider
and checks that the explorer's picture changes and that no widget error appears. A screenshot of the explorer is
saved as ``<pytest tmp_path>/lesson02_explorer.png``.

Needs Playwright (a dependency in pyproject.toml) and Debian's chromium at /usr/bin/chromium
(``bash .ci/install-browser``); never ``playwright install``. Without them the test is skipped, except under CI
(``CI`` set), where a missing browser fails it.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOK = "02_forward_process.ipynb"
EXPLORER_CALL = "noising_explorer("
CHROMIUM = "/usr/bin/chromium"
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


def explorer_notebook(folder: Path) -> Path:
    """Copy the lesson alone into ``folder`` (JupyterLab's root), after checking that it has the explorer cell."""
    source = ROOT / "notebooks" / NOTEBOOK
    cells = json.loads(source.read_text(encoding="utf-8"))["cells"]
    if not any(cell["cell_type"] == "code" and EXPLORER_CALL in "".join(cell["source"]) for cell in cells):
        pytest.fail(
            f"lesson 02 has no noising_explorer cell: no code cell of notebooks/{NOTEBOOK} calls {EXPLORER_CALL}…)"
        )
    folder.mkdir(parents=True, exist_ok=True)
    return Path(shutil.copy(source, folder / NOTEBOOK))


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
    (dirs["config"] / "labconfig" / "page_config.json").write_text(
        json.dumps(
            {
                "disabledExtensions": {
                    "@jupyterlab/extensionmanager-extension": True,
                    "@jupyterlab/apputils-extension:announcements": True,
                }
            }
        )
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
        PATH=os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")]),
    )
    env.setdefault("OMP_NUM_THREADS", "1")  # two cores shared by the kernel and the browser
    return env


def api(base: str, token: str, path: str, method: str = "GET"):
    request = urllib.request.Request(f"{base}{path}", method=method, headers={"Authorization": f"token {token}"})
    with urllib.request.urlopen(request, timeout=5) as response:
        return json.loads(response.read() or b"null")


@contextlib.contextmanager
def jupyterlab(root: Path, home: Path):
    """Run JupyterLab on 127.0.0.1 with a random token; yields ``(base_url, token, log_path)``; stops it fully."""
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


@contextlib.contextmanager
def chromium_page():
    """A page in a fresh headless Chromium (Debian's, through Playwright); closes the browser and the driver."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[arg for arg in BROWSER_ARGS if arg != "--headless"],
        )  # launch() gives every run a new, temporary user-data dir and removes it on close
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.set_default_timeout(STEP_TIMEOUT)
            yield page
        finally:
            browser.close()


def test_lesson02_noising_explorer_in_jupyterlab(tmp_path):
    from playwright.sync_api import expect

    require_browser()
    started = time.monotonic()
    notebook = explorer_notebook(tmp_path / "lab")
    screenshot = tmp_path / "lesson02_explorer.png"
    with jupyterlab(notebook.parent, tmp_path / "jupyter") as (base, token, log_path), chromium_page() as page:
        try:
            page.goto(f"{base}/lab/tree/{NOTEBOOK}?token={token}", wait_until="domcontentloaded")
            expect(page.locator(".jp-NotebookPanel .jp-Notebook .jp-Cell").first).to_be_visible(timeout=60_000)
            # Run All before the page is connected to its kernel asks for a kernel instead of running anything,
            # so wait until the server sees the page's kernel connection and the status bar says it is idle.
            wait_for_kernel_connection(base, token)
            idle = page.locator(".jp-StatusBar-TextItem").filter(has_text=re.compile(r"ipykernel\)\s*\|\s*Idle"))
            expect(idle).to_be_visible(timeout=60_000)

            # Run → Run All Cells, as a learner would.
            page.locator(".lm-MenuBar-item").filter(has_text=re.compile(r"^\s*Run\s*$")).click()
            page.locator(".lm-Menu-item").filter(has_text=re.compile(r"^\s*Run All Cells\s*$")).click()
            first_prompt = page.locator(".jp-CodeCell .jp-InputPrompt").first
            expect(first_prompt, "Run All Cells did not start the first cell").to_have_text(
                re.compile(r"\[(\*|\d+)\]"), timeout=STEP_TIMEOUT
            )

            slider = page.locator(".widget-hslider").filter(
                has=page.locator("label.widget-label", has_text=re.compile(r"^t$"))
            )
            expect(slider).to_be_visible(timeout=RUN_ALL_TIMEOUT)
            page.wait_for_function(  # every code cell shows its execution count (cells with hidden source show
                # no prompt): the whole lesson has run
                """() => [...document.querySelectorAll('.jp-CodeCell .jp-InputPrompt')]
                         .map(p => p.textContent.trim()).filter(text => text !== '')
                         .every(text => /^\\[\\d+\\]:?$/.test(text))""",
                timeout=RUN_ALL_TIMEOUT,
            )
            expect(idle).to_be_visible()
            explorer = page.locator(".widget-vbox").filter(has=slider).filter(has=page.locator("img.widget-image"))
            picture, label = explorer.locator("img.widget-image"), explorer.locator("div.widget-label")
            expect(picture).to_be_visible()
            explorer.scroll_into_view_if_needed()
            before, label_before = picture.get_attribute("src"), label.inner_text()
            assert before and before.startswith(("blob:", "data:")), f"unexpected img src {before!r}"
            assert "ᾱ_t" in label_before, label_before

            handle = slider.locator(".noUi-handle")
            handle.focus()
            for _ in range(3):
                handle.press("ArrowRight")
            expect(slider.locator(".widget-readout")).to_have_text("3")
            expect(picture).not_to_have_attribute("src", before)
            expect(label).to_contain_text("t = 3 ")
            handle.press("End")
            expect(slider.locator(".widget-readout")).to_have_text(re.compile(r"^\d{3,}$"))
            expect(label).not_to_contain_text("t = 3 ")
            # Type a step into the slider's readout, then switch the schedule: both redraw the picture.
            readout = slider.locator(".widget-readout")
            readout.click()
            page.keyboard.press("ControlOrMeta+A")
            page.keyboard.type("250")
            page.keyboard.press("Enter")
            expect(label).to_contain_text("t = 250 ")
            linear_text, linear_src = label.inner_text(), picture.get_attribute("src")
            explorer.locator(".widget-toggle-button:not(.mod-active)").first.click()  # the other schedule
            expect(label).not_to_have_text(linear_text)
            expect(label).to_contain_text("t = 250 ")
            expect(picture).not_to_have_attribute("src", linear_src)
            assert picture.evaluate("img => img.complete && img.naturalWidth > 0"), "the new picture did not load"

            text = page.evaluate("document.body.textContent")
            for error in ERROR_TEXTS:
                assert error not in text, f"the page shows {error!r}"
            explorer.screenshot(path=str(screenshot))
        except BaseException:
            with contextlib.suppress(Exception):
                page.screenshot(path=str(tmp_path / "failure.png"), full_page=True)
            print(f"screenshot of the failure: {tmp_path / 'failure.png'}\nJupyterLab log:\n{tail(log_path)}")
            raise
    print(f"explorer screenshot: {screenshot} ({time.monotonic() - started:.1f} s)")
