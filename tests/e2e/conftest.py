"""Browser fixtures: Playwright (sync API) driving Debian's Chromium against pytest-django's live_server.

No browser download: `executable_path=/usr/bin/chromium`. Tests using these fixtures are skipped when
Chromium or Playwright is missing. The live server serves static files itself (StaticFilesHandler),
so Leaflet, the DSFR and our JavaScript load exactly as in production, from our own origin.
"""

import shutil

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture
def browser(monkeypatch):
    sync_api = pytest.importorskip("playwright.sync_api")
    if not shutil.which(CHROMIUM):
        pytest.skip(f"Chromium absent ({CHROMIUM})")
    # Playwright's sync API keeps an asyncio loop running in this thread; the test itself (factories,
    # assertions) still talks to the database synchronously, which Django allows only when told to.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(base_url=live_server.url, locale="fr-FR", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    errors = []
    page.on("pageerror", lambda error: errors.append(f"{page.url}: {error}\n{error.stack}"))
    page.js_errors = errors
    yield page
    context.close()


def log_in(page, email: str, password: str) -> None:
    """Through the real login form: fields `username` and `password`, the form's submit button."""
    page.goto("/compte/connexion/")
    form = page.locator("main form").filter(has=page.locator("[name=password]"))
    form.locator("[name=username]").fill(email)
    form.locator("[name=password]").fill(password)
    form.locator("button[type=submit]").click()
    page.wait_for_load_state("load")


def serious_violations(page) -> list[dict]:
    """axe-core violations of impact serious or critical on the current page."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return [v for v in results.response["violations"] if v.get("impact") in ("serious", "critical")]


def describe(violations: list[dict]) -> str:
    lines = []
    for violation in violations:
        targets = [", ".join(node["target"]) for node in violation["nodes"][:5]]
        lines.append(f"[{violation['impact']}] {violation['id']}: {violation['help']} → {targets}")
    return "\n".join(lines)
