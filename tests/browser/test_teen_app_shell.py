"""The teen's app as an installable web app: small to load, its shell kept for offline use by
a service worker, and no API answer ever cached."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

pytest.importorskip("playwright", reason="playwright not installed: pip install -e '.[test]'")

from playwright.sync_api import Browser, BrowserContext, Page, Request, expect

from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, PHONE, Site, browser_env
from tests.browser.teen_app import Family, record_figures, school_time

FIRST_LOAD_BUDGET = 50 * 1024

CACHED_PATHS = """async () => {
  const paths = [];
  for (const name of await caches.keys()) {
    const cache = await caches.open(name);
    for (const request of await cache.keys()) paths.push(new URL(request.url).pathname);
  }
  return paths.sort();
}"""


@pytest.fixture
def installable(browser: Browser, site: Site) -> Iterator[BrowserContext]:
    """A phone's browser with service workers on (the other app tests block them)."""
    context = browser.new_context(
        base_url=site.url, viewport=PHONE, timezone_id="America/New_York", locale="en-US"
    )
    context.set_default_timeout(10_000)
    yield context
    context.close()


def _bytes(request: Request) -> int:
    sizes = request.sizes()
    return int(sizes["responseHeadersSize"] + sizes["responseBodySize"])


def _first_load(context: BrowserContext) -> tuple[Page, dict[str, int]]:
    """Open /app/ in a fresh browser and wait until its service worker has kept the shell;
    every response of the page and the worker, in bytes on the wire (headers included)."""
    loaded: dict[str, int] = {}

    def finished(request: Request) -> None:
        key = f"{'worker' if request.service_worker else 'page'} {request.url}"
        loaded[key] = loaded.get(key, 0) + _bytes(request)

    context.on("requestfinished", finished)
    page = context.new_page()
    page.goto("/app/")
    expect(page.get_by_role("heading", name="Pair this device")).to_be_visible()
    page.evaluate("async () => { await navigator.serviceWorker.ready; }")
    page.wait_for_load_state("networkidle")
    context.remove_listener("requestfinished", finished)
    return page, loaded


def test_the_first_load_is_under_50_kb_and_needs_nothing_from_elsewhere(
    installable: BrowserContext, site: Site
) -> None:
    _, loaded = _first_load(installable)
    total = sum(loaded.values())
    assert total < FIRST_LOAD_BUDGET, json.dumps(loaded, indent=2)
    urls = [urlsplit(key.split(" ", 1)[1]) for key in loaded]
    assert {url.netloc for url in urls} == {urlsplit(site.url).netloc}
    assert {url.path for url in urls} == {
        "/app/",
        "/app/style.css",
        "/app/main.js",
        "/app/api.js",
        "/app/loop.js",
        "/app/store.js",
        "/app/views.js",
        "/app/i18n.js",
        "/app/icon.svg",
        "/app/manifest.webmanifest",
        "/app/sw.js",
    }
    record_figures("first_load", {"bytes": total, "responses": loaded})
    # Headers are most of what the worker's second look at the shell costs (304s).
    assert sum(v for k, v in loaded.items() if k.startswith("worker")) < 10 * 1024


def test_the_service_worker_keeps_the_shell_only_and_the_app_opens_offline(
    installable: BrowserContext, site: Site
) -> None:
    family = Family.create(site.url, site.clock)
    site.clock.set(school_time(7))
    page, _ = _first_load(installable)
    page.get_by_label("Pairing code").fill(family.pairing_code())
    with page.expect_response(lambda r: r.url.endswith("/v1/check")):
        page.get_by_role("button", name="Pair").click()
    expect(page.get_by_role("banner")).to_contain_text("set by Ann and Ben")
    page.reload()  # now under the worker's control: API calls pass it by
    expect(page.locator("#connection time")).to_be_visible()

    cached = page.evaluate(CACHED_PATHS)
    assert "/app/" in cached
    assert "/app/main.js" in cached
    assert all(path.startswith("/app/") for path in cached), cached
    assert not any(path.startswith("/v1/") for path in cached), cached

    installable.set_offline(True)
    page.reload()
    sign = page.get_by_role("banner")
    expect(sign).to_contain_text("School-time reminders are on, set by Ann and Ben.")
    expect(page.locator("#connection")).to_contain_text("Can't reach the service right now.")
    expect(page.locator("#connection")).to_contain_text("Last reached the service at")


def test_chromium_finds_the_app_installable(browser: Browser, site: Site, tmp_path: Path) -> None:
    # A profile on disk: Chromium never offers to install from an incognito-like context,
    # which is what `browser.new_context()` makes.
    context = browser.browser_type.launch_persistent_context(
        str(tmp_path / "profile"),
        executable_path=str(CHROMIUM),
        args=CHROMIUM_ARGS,
        env=browser_env(),
        base_url=site.url,
        viewport=PHONE,
    )
    try:
        page, _ = _first_load(context)
        session = context.new_cdp_session(page)
        errors = session.send("Page.getInstallabilityErrors")["installabilityErrors"]
        assert errors == []
        manifest = page.evaluate("async () => (await fetch('/app/manifest.webmanifest')).json()")
    finally:
        context.close()
    assert manifest["start_url"] == "/app/"
    assert manifest["scope"] == "/app/"
    assert manifest["display"] == "standalone"
