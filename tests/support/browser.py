"""Pytest fixtures for tests in a real headless Chromium (Debian's package, driven by Playwright).

``browser`` is one Chromium for the session; ``open_page(path)`` opens a local
HTML file with every request that is not ``file:``/``data:`` blocked and
recorded, and collects console errors and page errors. Without Chromium or
Playwright the tests are skipped, unless ``REQUIRE_BROWSER=1`` (CI), where they
fail. ``scripts/install-browser`` installs both.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import pytest

__all__ = ["browser", "open_page", "artifacts_dir", "PageRecord", "CHROMIUM_ARGS",
           "chromium_path"]

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def chromium_path() -> str | None:
    """The Chromium to drive: $DEALGRAPH_CHROMIUM, else /usr/bin/chromium, else on PATH."""
    for candidate in (os.environ.get("DEALGRAPH_CHROMIUM"), "/usr/bin/chromium",
                      shutil.which("chromium"), shutil.which("chromium-browser")):
        if candidate and os.path.exists(candidate):
            return candidate
    return None


def _unavailable(reason: str):
    if os.environ.get("REQUIRE_BROWSER") == "1":
        pytest.fail(f"REQUIRE_BROWSER=1 but {reason}; run scripts/install-browser")
    pytest.skip(f"{reason}; run scripts/install-browser (or set REQUIRE_BROWSER=1 to fail)")


@dataclass
class PageRecord:
    """A page and what happened while it was open."""
    page: object
    requests: list[str] = field(default_factory=list)       # every request seen
    blocked: list[str] = field(default_factory=list)        # non-file/data requests, aborted
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)

    @property
    def errors(self) -> list[str]:
        return self.console_errors + self.page_errors


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium for the whole session."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("the playwright package is not installed")
    exe = chromium_path()
    if exe is None:
        _unavailable("no Chromium found (/usr/bin/chromium)")
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=exe, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def open_page(browser):
    """``open_page(path, width=1400, height=900) -> PageRecord``; the page is loaded
    (``load`` event) with the network blocked. ``alert``/``confirm``/``prompt`` are
    recorded in ``dialogs`` (also as ``window.__dialogs`` in the page)."""
    contexts = []

    def _open(path, width: int = 1400, height: int = 900) -> PageRecord:
        ctx = browser.new_context(viewport={"width": width, "height": height},
                                  service_workers="block")
        contexts.append(ctx)
        page = ctx.new_page()
        rec = PageRecord(page)

        def route(r):
            url = r.request.url
            if url.startswith(("file:", "data:", "about:", "blob:")):
                r.continue_()
            else:
                rec.blocked.append(url)
                r.abort()

        page.route("**/*", route)
        page.on("request", lambda req: rec.requests.append(req.url))
        page.on("console",
                lambda m: rec.console_errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: rec.page_errors.append(str(e)))

        def dialog(d):
            rec.dialogs.append(d.message)
            d.dismiss()

        page.on("dialog", dialog)
        page.add_init_script("""
            window.__dialogs = [];
            for (const k of ["alert", "confirm", "prompt"]) {
                window[k] = function (m) { window.__dialogs.push(k + ":" + m); };
            }
        """)
        page.goto(Path(path).resolve().as_uri())
        return rec

    yield _open
    for ctx in contexts:
        ctx.close()


@pytest.fixture(scope="session")
def artifacts_dir() -> Path:
    """``test-artifacts/`` at the repository root (ignored by git): screenshots go here."""
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
