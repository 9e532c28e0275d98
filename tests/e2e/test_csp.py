"""Content-Security-Policy in a real browser: no page of ours is refused a script, a style, an image or a font by
the policy (so no inline script or event handler is left), the maps still draw, and only the public booking page
may be shown in another site's frame."""

import contextlib
import http.server
import threading

import pytest

from tests.e2e.conftest import log_in
from tests.factories import PASSWORD, UserFactory
from tests.planning.territory import SMALL_PLAN, load_small_territory
from tests.workshops.factories import SessionFactory
from tremplin.network.models import Site
from tremplin.planning import services
from tremplin.planning.services import PlanOptions, scenario_create

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

# Runs before any script of the page (Playwright injects it outside the page's policy).
RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", function (event) {
  var where = (event.sourceFile || "") + ":" + event.lineNumber;
  window.__cspViolations.push(event.violatedDirective + " " + (event.blockedURI || "inline") + " " + where);
});
"""


@pytest.fixture
def csp_page(browser, live_server):
    context = browser.new_context(base_url=live_server.url, locale="fr-FR", viewport={"width": 1280, "height": 900})
    context.add_init_script(RECORD_VIOLATIONS)
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.console_csp = []
    page.on(
        "console",
        lambda message: "Content Security Policy" in message.text and page.console_csp.append(message.text),
    )
    page.js_errors = []
    page.on("pageerror", lambda error: page.js_errors.append(str(error)))
    yield page
    context.close()


@contextlib.contextmanager
def partner_site(html: str):
    """Another site, on 127.0.0.1 (the live server answers as localhost: another origin), serving one page."""
    body = html.encode()

    class Page(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - http.server's name
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Page)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


def visit(page, url):
    response = page.goto(url)
    assert response.status == 200, url
    policy = response.headers.get("content-security-policy", "")
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy.split("style-src")[0], policy
    assert "object-src 'none'" in policy and "base-uri 'self'" in policy
    return policy


def assert_no_violation(page, where):
    page.wait_for_load_state("load")
    violations = page.evaluate("window.__cspViolations")
    assert not violations, f"{where} : {violations}"
    assert not page.console_csp, f"{where} : {page.console_csp}"
    assert not page.js_errors, f"{where} : {page.js_errors}"


def test_pages_and_maps_run_under_the_policy(csp_page, tmp_path):
    page = csp_page
    load_small_territory(tmp_path)
    manager = UserFactory(national=True)
    scenario = scenario_create(user=manager, name="Plan", options=PlanOptions(**SMALL_PLAN))
    services.scenario_run(scenario=scenario)

    log_in(page, manager.email, PASSWORD)
    assert_no_violation(page, "connexion")
    policy = visit(page, "/")
    assert "frame-ancestors 'none'" in policy
    assert_no_violation(page, "accueil")

    # The France map (choropleth) and a département map: Leaflet and our map code.
    visit(page, "/territoires/")
    page.wait_for_selector("[data-map-ready]")
    assert_no_violation(page, "carte de France")
    visit(page, "/territoires/departement/D1/")
    page.wait_for_selector("#carte[data-map-ready]")
    assert page.locator("#carte path.tremplin-marker").count() > 0
    assert_no_violation(page, "carte du département")

    # A plan: one colour per mediator on the map and in the legend.
    visit(page, f"/planification/{scenario.pk}/")
    page.wait_for_selector("#carte[data-map-ready]")
    assert page.locator("#carte .tremplin-marker--plan").count() == 4
    assert page.locator("#carte .tremplin-circuit").count() == 2
    swatches = page.locator(".tremplin-legend .tremplin-swatch circle")
    colours = swatches.evaluate_all("nodes => nodes.map(node => getComputedStyle(node).fill)")
    assert len(colours) == 2 and len(set(colours)) == 2 and "rgb(0, 0, 0)" not in colours, colours
    assert_no_violation(page, "scénario")

    # The account security page (QR code drawn inline as SVG).
    visit(page, "/compte/securite/activer/")
    assert_no_violation(page, "activation de la double authentification")

    # The API documentation (Swagger UI, served by us).
    visit(page, "/api/v1/docs")
    page.wait_for_selector("#swagger-ui .opblock")
    assert_no_violation(page, "documentation de l'API")

    # The Django admin of the reference data.
    visit(page, "/admin/")
    visit(page, "/admin/network/site/")
    assert_no_violation(page, "administration")

    # The detector itself: an inline script added now is refused and reported.
    page.evaluate(
        "() => { const s = document.createElement('script'); s.textContent = 'window.x = 1'; document.body.append(s); }"
    )
    page.wait_for_function("() => window.__cspViolations.length > 0")
    assert page.evaluate("window.x") is None


def test_public_booking_page_can_be_embedded_and_no_other(csp_page, live_server):
    page = csp_page
    session = SessionFactory(site__name="LANNION PRINCIPAL")
    site = Site.objects.get(pk=session.site_id)
    public = f"{live_server.url}/ateliers/lieu/{site.pk}/?integre=1"
    policy = visit(page, public)
    assert "frame-ancestors *" in policy
    assert_no_violation(page, "page publique")

    # A partner's site (another origin, served here on 127.0.0.1) frames it: it shows; the login page does not.
    html = f'<!doctype html><html lang="fr"><title>Partenaire</title><iframe id="a" src="{public}"></iframe>'
    html += f'<iframe id="b" src="{live_server.url}/compte/connexion/"></iframe></html>'
    with partner_site(html) as partner:
        page.goto(partner)
        page.frame_locator("#a").locator("h1").wait_for()
        assert page.frame_locator("#a").locator("h1").inner_text() == "S'inscrire à un atelier numérique"
        for _ in range(100):  # the browser reports the refused frame in the console
            if any("frame-ancestors 'none'" in message for message in page.console_csp):
                break
            page.wait_for_timeout(100)
        assert any("frame-ancestors 'none'" in message for message in page.console_csp), page.console_csp
        assert page.frame_locator("#b").locator("form [name=password]").count() == 0
