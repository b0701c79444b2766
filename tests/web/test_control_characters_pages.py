"""Control characters never reach the database through the pages either: every form the pages
show, found by following their links as a signed-in parent and admin, refuses a control
character in any field with 422 naming it and writes nothing; an id in a page's path that
holds one answers 404.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from flask import Flask
from hypothesis import given
from hypothesis import strategies as st
from werkzeug.routing import Rule

from alertsvc.http import edge
from alertsvc.services import accounts
from tests.api.test_control_characters import FUZZ, snapshot, tainted
from tests.support import FakeClock
from tests.web.conftest import PASSWORD, Pages

EMAIL = "forms@example.com"


@dataclass
class Form:
    page: str
    action: str
    enctype: str
    fields: dict[str, str] = field(default_factory=dict)


class _Scraper(HTMLParser):
    """The same-site links and the POST forms (with their fields' values) of one page."""

    def __init__(self, page: str) -> None:
        super().__init__()
        self.page = page
        self.links: list[str] = []
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._select: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "a" and a.get("href", "").startswith("/"):
            self.links.append(a["href"].split("#")[0])
        elif tag == "form" and a.get("method", "get").lower() == "post":
            action = a.get("action") or self.page
            self._form = Form(self.page, action, a.get("enctype", ""))
            self.forms.append(self._form)
        elif self._form is not None and tag in ("input", "textarea") and a.get("name"):
            if a.get("type") in ("checkbox", "radio") and "checked" not in a:
                self._form.fields.setdefault(a["name"], "")
            else:
                self._form.fields[a["name"]] = a.get("value", "")
        elif self._form is not None and tag == "select" and a.get("name"):
            self._select = a["name"]
            self._form.fields.setdefault(a["name"], "")
        elif self._form is not None and tag == "option" and self._select:
            chosen = "selected" in a or not self._form.fields.get(self._select)
            if chosen:
                self._form.fields[self._select] = a.get("value", "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None


def crawl(pages: Pages, starts: list[str], limit: int = 60) -> Iterator[Form]:
    """Every POST form on the pages reachable from `starts` (same site, GET, HTML)."""
    seen: set[str] = set()
    queue = list(starts)
    while queue and len(seen) < limit:
        page = queue.pop(0)
        if page in seen or page.startswith(("/static/", "/v1/", "/metrics")):
            continue
        seen.add(page)
        response = pages.client.get(page)
        if response.status_code != 200 or response.mimetype != "text/html":
            continue
        scraper = _Scraper(urlsplit(page).path)
        scraper.feed(response.get_data(as_text=True))
        yield from scraper.forms
        queue.extend(link for link in scraper.links if link not in seen)


@pytest.fixture
def signed_in(app: Flask, pages: Pages, clock: FakeClock) -> Pages:
    """A parent who is also an admin, with a teen, a schedule and an exception."""
    with app.app_context():
        session = edge.db()
        accounts.make_admin(session, EMAIL, PASSWORD, clock())
        session.commit()
    assert pages.log_in(EMAIL).status_code == 302
    assert pages.submit(
        "/teens/new", {"nickname": "Sam", "timezone": "Europe/London", "country": "GB"}
    ).status_code in (302, 303)
    return pages


def test_the_crawl_finds_the_forms_of_every_audience(signed_in: Pages) -> None:
    """Guards the test below against a crawl that found nothing to taint."""
    actions = {form.action for form in crawl(signed_in, ["/home", "/admin"])}
    for fragment in ("/teens/new", "/schedule", "/exceptions", "/pause", "/admin/kill-switch"):
        assert any(fragment in action for action in actions), (fragment, sorted(actions))


def test_a_control_character_in_any_form_field_is_refused_naming_it(
    app: Flask, signed_in: Pages
) -> None:
    engine = app.extensions["alertsvc"].engine
    forms = {(f.action, tuple(sorted(f.fields))): f for f in crawl(signed_in, ["/home", "/admin"])}
    for form in forms.values():
        for name in form.fields:
            fuzz_form_field(signed_in, engine, form, name)


def fuzz_form_field(pages: Pages, engine: object, form: Form, name: str) -> None:
    @given(value=tainted(st.text(max_size=6)))
    @FUZZ
    def probe(value: str) -> None:
        before = snapshot(engine)  # type: ignore[arg-type]
        data = {**form.fields, name: value}
        response = pages.client.post(
            form.action,
            data=data,
            content_type=form.enctype or "application/x-www-form-urlencoded",
        )
        assert response.status_code == 422, (form.action, name, response.status_code)
        assert name in response.get_data(as_text=True), (form.action, name)
        assert snapshot(engine) == before, (form.action, name)  # type: ignore[arg-type]

    probe()


def page_rules(app: Flask) -> list[Rule]:
    return [
        rule
        for rule in app.url_map.iter_rules()
        if rule.arguments and not rule.rule.startswith("/v1/")
    ]


def test_a_control_character_in_a_page_path_id_answers_404(app: Flask, signed_in: Pages) -> None:
    probed = 0
    for rule in page_rules(app):
        for argument in sorted(rule.arguments):
            if argument == "action":  # a fixed list of words, not an id: it cannot be built
                continue
            for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
                fuzz_path_argument(app, signed_in, rule, argument, method)
                probed += 1
    assert probed >= 15, probed


def fuzz_path_argument(app: Flask, pages: Pages, rule: Rule, argument: str, method: str) -> None:
    engine = app.extensions["alertsvc"].engine
    urls = app.url_map.bind("localhost")

    @given(value=tainted())
    @FUZZ
    def probe(value: str) -> None:
        values = {name: "start" if name == "action" else "x" for name in rule.arguments}
        path = urls.build(rule.endpoint, {**values, argument: value}, method=method)
        before = snapshot(engine)
        response = pages.client.open(path, method=method)
        assert response.status_code == 404, (rule.rule, method, response.status_code)
        assert snapshot(engine) == before

    probe()
