"""The OpenAPI document at /api/v1/openapi.json and the browsable docs at /api/v1/docs: served by us (Swagger UI
from django-ninja's own static files, no CDN), under the site's Content-Security-Policy (scripts of our own origin
only: the page has no inline script). The browser check of the same page is in tests/e2e/test_csp.py."""

import re

import pytest

pytestmark = pytest.mark.django_db


def test_the_openapi_document_lists_every_operation_with_its_answers(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200 and response["Content-Type"].startswith("application/json")
    document = response.json()
    assert document["openapi"].startswith("3.") and document["info"]["version"] == "1"
    operations = {(method.upper(), path) for path, ops in document["paths"].items() for method in ops}
    assert {
        ("GET", "/api/v1/sessions"),
        ("GET", "/api/v1/sessions/{session_id}"),
        ("POST", "/api/v1/sessions/{session_id}/registrations"),
        ("DELETE", "/api/v1/registrations/{registration_id}"),
        ("GET", "/api/v1/places"),
        ("GET", "/api/v1/stats/summary"),
        ("GET", "/api/v1/activities"),
    } <= operations
    for path, ops in document["paths"].items():
        for method, operation in ops.items():
            codes = set(operation["responses"])
            assert "429" in codes, (method, path)
            if operation.get("security"):
                assert "401" in codes, (method, path)
            if operation.get("parameters") or "requestBody" in operation:
                assert "422" in codes, (method, path)
    assert document["components"]["securitySchemes"]["ApiKey"] == {"type": "http", "scheme": "bearer"}


def test_the_docs_page_loads_only_our_own_files_and_no_inline_script(client):
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy and "unsafe-eval" not in policy
    page = response.content.decode()
    sources = re.findall(r'<(?:script|link)[^>]+(?:src|href)="([^"]+)"', page)
    assert sources and all(source.startswith("/static/") for source in sources), sources
    assert "cdn" not in page.lower()
    # Every <script> either loads one of our files or is data (the settings, type="application/json").
    for tag in re.findall(r"<script[^>]*>", page):
        assert 'src="/static/' in tag or 'type="application/json"' in tag, tag
    assert '"url": "/api/v1/openapi.json"' in page
    for source in sources:
        assert client.get(source).status_code == 200, source


def test_no_two_schemas_share_a_name():
    """ninja names the document's components after the classes: two `PlaceOut` would silently describe one
    operation's answer with the other's fields (schemathesis found it once)."""
    import inspect

    from ninja import Schema

    from tremplin.api import activities, errors, places, stats, workshops

    seen = {}
    for module in (activities, errors, places, stats, workshops):
        for name, value in vars(module).items():
            if inspect.isclass(value) and issubclass(value, Schema) and value.__module__ == module.__name__:
                assert name not in seen, f"{name} : {seen.get(name)} et {module.__name__}"
                seen[name] = module.__name__
