"""Admin pages: who may see them, experiments and their lifecycle, results, kill switch, audit."""

from __future__ import annotations

import html
import re
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from werkzeug.test import TestResponse

from alertsvc import create_app
from alertsvc.config import Settings
from alertsvc.db.models import Ack, Exposure, Teen
from alertsvc.db.repositories.experiments import load_experiment
from alertsvc.domain.copy import plain
from alertsvc.domain.experiments import Status
from alertsvc.domain.stats import Interval, SampleRatio
from alertsvc.services import accounts, audit, flags
from alertsvc.services.experiments import ExperimentResults, StoredExperiment, VariantResult
from alertsvc.web.admin import results as shown
from tests.support import FakeClock, experiment_nudge
from tests.web.conftest import ADMIN_EMAIL, ADMIN_PASSWORD, Pages, db_session

KEY = "copy-2026-11"


def _texts(page: str) -> str:
    """The page's text with tags removed, entities decoded and whitespace collapsed."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


def _is_invalid(page: str, field_id: str) -> bool:
    """Whether the input or textarea `field_id` is marked invalid for screen readers."""
    tag = re.search(rf'<(?:input|textarea)[^>]*\bid="{field_id}"[^>]*>', page)
    return tag is not None and 'aria-invalid="true"' in tag.group(0)


def _form(**overrides: str) -> dict[str, str]:
    """A valid create form: control and a friendlier title, half of eligible teens."""
    data = {
        "key": KEY,
        "description": "Friendlier copy",
        "traffic_percent": "50",
        "variants-0-key": "control",
        "variants-0-weight": "1",
        "variants-1-key": "friendly",
        "variants-1-weight": "1",
        "variants-1-copies-0-title": "Hey there",
        "variants-1-copies-0-body": "Phone away for now?",
    }
    data.update(overrides)
    return data


def _create(admin: Pages, **overrides: str) -> TestResponse:
    return admin.submit("/admin/experiments/new", _form(**overrides))


def _status(admin: Pages, action: str, key: str = KEY, **data: str) -> TestResponse:
    return admin.submit(
        f"/admin/experiments/{key}/{action}", data, page=f"/admin/experiments/{key}"
    )


def _stored(app: Flask, key: str = KEY) -> StoredExperiment | None:
    """The experiment as stored, or None when nothing was saved."""
    with db_session(app) as session:
        return load_experiment(session, key)


def _audit_actions(app: Flask) -> list[str]:
    with db_session(app) as session:
        return [entry.action for entry in audit.list_audit(session, 100)]


# --- who may see the pages ------------------------------------------------------------------

ADMIN_GETS = ("/admin", "/admin/experiments/new", "/admin/kill-switch", "/admin/audit")


def _every_admin_route(app: Flask) -> list[tuple[str, str]]:
    """(method, path) for every route of the blueprint, so a new page cannot forget its guard."""
    routes = []
    with app.test_request_context():
        for rule in app.url_map.iter_rules():
            if rule.endpoint.startswith("admin_pages."):
                values = {"key": KEY, "action": "start"}
                built = rule.build({k: values[k] for k in rule.arguments})
                assert built is not None
                path = built[1]
                routes += [(m, path) for m in sorted((rule.methods or set()) & {"GET", "POST"})]
    return routes


def test_every_admin_route_is_a_404_page_for_a_parent_without_the_admin_role(
    app: Flask, admin: Pages, pages: Pages
) -> None:
    assert _create(admin).status_code == 302
    parent = pages.fresh()
    parent.sign_up("parent@example.com")
    routes = _every_admin_route(app)
    assert len(routes) >= 8
    for method, path in routes:
        response = parent.client.open(path, method=method, data={"confirm": "y", "enabled": "on"})
        assert response.status_code == 404, (method, path)
        assert response.mimetype == "text/html"
        assert "Page not found" in response.get_data(as_text=True)
        assert "admin" not in _texts(response.get_data(as_text=True)).lower()
    stored = _stored(app)
    assert stored is not None
    assert stored.experiment.status is Status.DRAFT


def test_visitors_who_are_not_logged_in_are_sent_to_log_in(pages: Pages) -> None:
    for path in ADMIN_GETS:
        response = pages.client.get(path)
        assert response.status_code == 302, path
        assert response.headers["Location"].startswith("/login?next=")
    assert pages.client.post("/admin/kill-switch").headers["Location"] == "/login"


def test_only_admins_see_the_admin_link_in_the_navigation(admin: Pages, pages: Pages) -> None:
    assert 'href="/admin"' in admin.client.get("/home").get_data(as_text=True)
    parent = pages.fresh()
    parent.sign_up("parent@example.com")
    assert 'href="/admin"' not in parent.client.get("/home").get_data(as_text=True)


def test_admin_pages_use_no_inline_styles_scripts_or_outside_assets(admin: Pages) -> None:
    assert _create(admin).status_code == 302
    for path in (*ADMIN_GETS, f"/admin/experiments/{KEY}"):
        response = admin.client.get(path)
        assert response.status_code == 200, path
        page = response.get_data(as_text=True)
        assert "style=" not in page, path
        assert "<script" not in page, path
        assert "http://" not in page, path
        assert 'href="/static/admin.css"' in page
        assert response.headers["Cache-Control"] == "no-store"


def test_admin_forms_need_their_csrf_token(settings: Settings, clock: FakeClock) -> None:
    app = create_app(settings.with_(csrf_enabled=True), clock=clock)
    try:
        with db_session(app) as session:
            accounts.make_admin(session, ADMIN_EMAIL, ADMIN_PASSWORD, clock())
            session.commit()
        browser = Pages(app.test_client(), settings.session_cookie_name)
        assert browser.log_in(ADMIN_EMAIL, ADMIN_PASSWORD).status_code == 302
        form = {"enabled": "on", "reason": "Incident", "confirm": "STOP"}
        refused = browser.client.post("/admin/kill-switch", data=form)
        assert refused.status_code == 400
        with db_session(app) as session:
            assert flags.get_kill_switch(session).enabled is False
        assert browser.submit("/admin/kill-switch", form).status_code == 302
        with db_session(app) as session:
            assert flags.get_kill_switch(session).enabled is True
    finally:
        app.extensions["alertsvc"].engine.dispose()


# --- creating experiments -------------------------------------------------------------------


def test_an_empty_list_offers_to_create_an_experiment(admin: Pages) -> None:
    page = _texts(admin.client.get("/admin").get_data(as_text=True))
    assert "No experiments yet" in page
    assert "Create an experiment" in page


def test_create_saves_a_draft_with_its_variants_and_targeting(app: Flask, admin: Pages) -> None:
    response = _create(
        admin,
        **{
            "variants-2-key": "quiet",
            "variants-2-weight": "0.5",
            "variants-2-grace_minutes": "20",
            "variants-2-min_interval_minutes": "60",
            "variants-2-max_per_day": "2",
            "variants-3-key": "holdout",
            "variants-3-weight": "0.5",
            "variants-3-holdout": "y",
            "countries": "us, ca",
            "timezones": "America/New_York, America/Toronto",
        },
    )
    assert response.status_code == 302
    assert response.headers["Location"] == f"/admin/experiments/{KEY}"
    stored = _stored(app)
    assert stored is not None
    experiment = stored.experiment
    assert experiment.status is Status.DRAFT
    assert experiment.traffic_percent == 50
    assert experiment.description == "Friendlier copy"
    assert [(v.key, v.weight) for v in experiment.variants] == [
        ("control", 1.0),
        ("friendly", 1.0),
        ("quiet", 0.5),
        ("holdout", 0.5),
    ]
    friendly, quiet, holdout = experiment.variants[1:]
    assert (friendly.params.title, friendly.params.body) == (
        plain("Hey there"),
        plain("Phone away for now?"),
    )
    assert (quiet.params.grace_minutes, quiet.params.min_interval_minutes) == (20, 60)
    assert quiet.params.max_per_day == 2
    assert holdout.params.holdout is True
    assert experiment.targeting.countries == frozenset({"US", "CA"})
    assert experiment.targeting.timezones == frozenset({"America/New_York", "America/Toronto"})
    assert _audit_actions(app) == ["experiment.create"]

    detail = _texts(admin.client.get(response.headers["Location"]).get_data(as_text=True))
    assert f"Experiment {KEY} is saved as a draft" in detail
    listing = _texts(admin.client.get("/admin").get_data(as_text=True))
    assert KEY in listing
    assert "draft" in listing
    assert "50%" in listing
    assert "control 1 friendly 1 quiet 0.5 holdout 0.5 (holdout)" in listing


def test_create_with_mistakes_shows_each_error_next_to_its_field_and_saves_nothing(
    app: Flask, admin: Pages
) -> None:
    response = _create(
        admin,
        **{
            "key": "Copy Test",
            "traffic_percent": "150",
            "variants-0-weight": "-1",
            "variants-1-key": "",
            "variants-1-max_per_day": "90",
            "variants-2-copies-0-title": "A title without a key",
            "countries": "USA",
        },
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    text = _texts(page)
    assert "Please check the form" in text
    assert "Use lowercase letters, digits, '-' and '_'" in text
    assert "Enter a whole number from 0 to 100." in text
    assert "Enter 0 (no new teens), or a number from 0.001 to 1000." in text
    assert "Enter a key." in text
    assert "Enter a whole number from 1 to 50." in text
    assert "Use two-letter country codes such as US or GB" in text
    for field in (
        "key",
        "traffic_percent",
        "variants-0-weight",
        "variants-1-key",
        "variants-1-max_per_day",
        "variants-2-key",
        "countries",
    ):
        assert _is_invalid(page, field), field
        assert f'href="#{field}"' in page, field
    # What was typed stays in the form, row 3 is unfolded to show its mistake.
    assert 'value="Copy Test"' in page
    assert '<details class="more-variants" open>' in page
    assert _stored(app, "Copy Test") is None
    assert _audit_actions(app) == []


def test_create_rules_of_the_service_show_next_to_fields_too(app: Flask, admin: Pages) -> None:
    response = _create(
        admin, **{"variants-1-key": "control", "timezones": "America/New_York, Mars/Olympus"}
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Duplicates another variant key." in _texts(page)
    assert "'Mars/Olympus' is not an IANA time zone." in _texts(page)
    assert _is_invalid(page, "variants-1-key")
    assert _is_invalid(page, "timezones")
    assert _stored(app) is None


def test_create_needs_two_variants_and_ignores_empty_rows(app: Flask, admin: Pages) -> None:
    response = _create(
        admin,
        **{
            "variants-1-key": "",
            "variants-1-weight": "",
            "variants-1-copies-0-title": "",
            "variants-1-copies-0-body": "",
        },
    )
    assert response.status_code == 422
    assert "Fill in at least 2 variants, each with a key and a weight." in _texts(
        response.get_data(as_text=True)
    )
    assert _stored(app) is None


def test_create_with_a_taken_key_says_so(app: Flask, admin: Pages) -> None:
    assert _create(admin).status_code == 302
    again = _create(admin, description="Another try")
    assert again.status_code == 422
    assert "An experiment with this key already exists." in _texts(again.get_data(as_text=True))
    stored = _stored(app)
    assert stored is not None
    assert stored.experiment.description == "Friendlier copy"


# --- lifecycle and settings -----------------------------------------------------------------


def _buttons(page: str) -> list[str]:
    return re.findall(r'<button type="submit"[^>]*>([^<]+)</button>', page)


def test_lifecycle_shows_only_legal_buttons_and_makes_each_change(
    app: Flask, admin: Pages, clock: FakeClock
) -> None:
    assert _create(admin).status_code == 302
    detail = f"/admin/experiments/{KEY}"
    page = admin.client.get(detail).get_data(as_text=True)
    assert [
        b for b in _buttons(page) if b in ("Start experiment", "Pause", "Resume", "Stop experiment")
    ] == ["Start experiment"]
    steps = [("start", "running", ["Pause", "Stop experiment"])]
    steps += [("pause", "paused", ["Resume", "Stop experiment"])]
    steps += [("resume", "running", ["Pause", "Stop experiment"])]
    for action, status, buttons in steps:
        clock.advance(minutes=1)
        response = _status(admin, action)
        assert response.status_code == 302, action
        page = admin.client.get(detail).get_data(as_text=True)
        assert f'class="badge badge-{status}"' in page
        assert [
            b
            for b in _buttons(page)
            if b in ("Start experiment", "Pause", "Resume", "Stop experiment")
        ] == buttons

    refused = _status(admin, "stop")
    assert refused.status_code == 422
    assert "Tick the box to confirm" in _texts(refused.get_data(as_text=True))
    stored = _stored(app)
    assert stored is not None
    assert stored.experiment.status is Status.RUNNING

    assert _status(admin, "stop", confirm="y").status_code == 302
    page = admin.client.get(detail).get_data(as_text=True)
    assert 'class="badge badge-stopped"' in page
    assert "Stopped for good" in _texts(page)
    assert not [
        b for b in _buttons(page) if b in ("Start experiment", "Pause", "Resume", "Stop experiment")
    ]
    assert "Save weights and traffic" not in page
    assert _audit_actions(app) == [
        "experiment.stop",
        "experiment.resume",
        "experiment.pause",
        "experiment.start",
        "experiment.create",
    ]


def test_an_illegal_change_shows_the_conflict_and_changes_nothing(app: Flask, admin: Pages) -> None:
    assert _create(admin).status_code == 302
    response = _status(admin, "stop", confirm="y")
    assert response.status_code == 409
    text = _texts(response.get_data(as_text=True))
    assert "That change was not made" in text
    assert "An experiment cannot go from draft to stopped." in text
    stored = _stored(app)
    assert stored is not None
    assert stored.experiment.status is Status.DRAFT
    assert _audit_actions(app) == ["experiment.create"]


def test_starting_a_conflicting_experiment_explains_which_one_is_in_the_way(
    app: Flask, admin: Pages
) -> None:
    assert _create(admin).status_code == 302
    assert _create(admin, key="other-copy").status_code == 302
    assert _status(admin, "start").status_code == 302
    response = _status(admin, "start", key="other-copy")
    assert response.status_code == 409
    assert f"Running experiment '{KEY}' can reach the same teens and also sets" in _texts(
        response.get_data(as_text=True)
    )
    stored = _stored(app, "other-copy")
    assert stored is not None
    assert stored.experiment.status is Status.DRAFT


def test_weights_and_traffic_can_be_changed_and_keep_the_params(app: Flask, admin: Pages) -> None:
    assert _create(admin).status_code == 302
    assert _status(admin, "start").status_code == 302
    page = admin.client.get(f"/admin/experiments/{KEY}").get_data(as_text=True)
    assert '<label for="weights-0">Weight of control</label>' in page
    response = admin.submit(
        f"/admin/experiments/{KEY}/settings",
        {"traffic_percent": "80", "weights-0": "3", "weights-1": "1"},
        page=f"/admin/experiments/{KEY}",
    )
    assert response.status_code == 302
    stored = _stored(app)
    assert stored is not None
    assert stored.experiment.traffic_percent == 80
    assert [v.weight for v in stored.experiment.variants] == [3.0, 1.0]
    assert stored.experiment.variants[1].params.title == plain("Hey there")
    assert stored.experiment.status is Status.RUNNING
    assert _audit_actions(app)[0] == "experiment.update"
    shown_page = _texts(admin.client.get(f"/admin/experiments/{KEY}").get_data(as_text=True))
    assert "Weights and traffic are saved." in shown_page
    assert "control (control) Weight 3: 75% of the experiment's new teens" in shown_page


def test_bad_weights_and_traffic_show_errors_and_change_nothing(app: Flask, admin: Pages) -> None:
    assert _create(admin).status_code == 302
    response = admin.submit(
        f"/admin/experiments/{KEY}/settings",
        {"traffic_percent": "101", "weights-0": "-1", "weights-1": "many"},
        page=f"/admin/experiments/{KEY}",
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    text = _texts(page)
    assert "Enter a whole number from 0 to 100." in text
    assert "Enter 0 (no new teens), or a number from 0.001 to 1000." in text
    assert "Enter a number such as 1 or 0.5." in text
    for field in ("traffic_percent", "weights-0", "weights-1"):
        assert _is_invalid(page, field), field
    stored = _stored(app)
    assert stored is not None
    assert stored.experiment.traffic_percent == 50
    assert [v.weight for v in stored.experiment.variants] == [1.0, 1.0]


@pytest.mark.parametrize(
    ("weights", "message", "fields"),
    [
        (("1e308", "1"), "Enter 0 (no new teens), or a number from 0.001 to 1000.", ("weights-0",)),
        (("1", "0.0001"), "Must be 0, or a number from 0.001 to 1000.", ("weights-1",)),
        (("0", "0"), "At least one variant needs a weight above 0.", ("weights-0", "weights-1")),
    ],
)
def test_weights_out_of_bounds_show_an_error_beside_each_weight(
    app: Flask, admin: Pages, weights: tuple[str, str], message: str, fields: tuple[str, ...]
) -> None:
    assert _create(admin).status_code == 302
    response = admin.submit(
        f"/admin/experiments/{KEY}/settings",
        {"traffic_percent": "50", "weights-0": weights[0], "weights-1": weights[1]},
        page=f"/admin/experiments/{KEY}",
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert message in _texts(page)
    for field in ("weights-0", "weights-1"):
        assert _is_invalid(page, field) is (field in fields), field
    stored = _stored(app)
    assert stored is not None
    assert [v.weight for v in stored.experiment.variants] == [1.0, 1.0]


def test_a_weight_of_0_ramps_a_variant_down_and_says_so(app: Flask, admin: Pages) -> None:
    assert _create(admin).status_code == 302
    assert _status(admin, "start").status_code == 302
    response = admin.submit(
        f"/admin/experiments/{KEY}/settings",
        {"traffic_percent": "50", "weights-0": "1", "weights-1": "0"},
        page=f"/admin/experiments/{KEY}",
    )
    assert response.status_code == 302
    stored = _stored(app)
    assert stored is not None
    assert [v.weight for v in stored.experiment.variants] == [1.0, 0.0]
    page = _texts(admin.client.get(f"/admin/experiments/{KEY}").get_data(as_text=True))
    assert "Weight 0: no new teens; those already assigned keep it" in page


def test_a_stopped_experiment_keeps_its_settings_and_says_why(app: Flask, admin: Pages) -> None:
    assert _create(admin).status_code == 302
    assert _status(admin, "start").status_code == 302
    assert _status(admin, "stop", confirm="y").status_code == 302
    response = admin.submit(
        f"/admin/experiments/{KEY}/settings",
        {"traffic_percent": "10", "weights-0": "1", "weights-1": "1"},
        page=f"/admin/experiments/{KEY}",
    )
    assert response.status_code == 409
    assert "A stopped experiment is final; create a new one." in _texts(
        response.get_data(as_text=True)
    )
    stored = _stored(app)
    assert stored is not None
    assert stored.experiment.traffic_percent == 50


def test_an_unknown_experiment_is_a_404_page(admin: Pages) -> None:
    response = admin.client.get("/admin/experiments/nope")
    assert response.status_code == 404
    assert "Page not found" in response.get_data(as_text=True)


# --- results --------------------------------------------------------------------------------


def _seed(app: Flask, clock: FakeClock, plan: dict[str, tuple[int, int, int]]) -> None:
    """Per variant: (exposed teens, nudges, closed_app acks), all after the exposure."""
    now = clock.now
    with db_session(app) as session:
        for variant, (teens, nudges, closed) in plan.items():
            ids = [f"teen_{variant}_{i}" for i in range(teens)]
            session.add_all(
                Teen(id=t, nickname="Sam", timezone="UTC", country=None, created_at=now)
                for t in ids
            )
            session.flush()
            session.add_all(
                Exposure(
                    experiment_key=KEY,
                    teen_id=t,
                    variant_key=variant,
                    exposed_at=now - timedelta(days=1),
                )
                for t in ids
            )
            for n in range(nudges):
                at = now - timedelta(hours=1, minutes=n)
                nudge = experiment_nudge(f"nud_{variant}_{n}", ids[n % teens], at, KEY, variant)
                session.add(nudge)
                session.flush()
                if n < closed:
                    session.add(
                        Ack(nudge_id=nudge.id, teen_id=nudge.teen_id, action="closed_app", at=at)
                    )
        session.commit()


def test_results_show_rates_with_intervals_in_a_chart_and_a_table(
    app: Flask, admin: Pages, clock: FakeClock
) -> None:
    assert _create(admin).status_code == 302
    assert _status(admin, "start").status_code == 302
    _seed(app, clock, {"control": (4, 10, 2), "friendly": (6, 20, 8)})
    page = admin.client.get(f"/admin/experiments/{KEY}").get_data(as_text=True)
    assert page.count('<svg class="rate-chart"') == 4
    assert '<title id="chart-closed_app-title">Closed the app (closed_app) per reminder' in page
    assert re.search(r'aria-labelledby="chart-closed_app-title chart-closed_app-desc"', page)
    text = _texts(page)
    # Wilson 95%: 2/10 -> 5.7%..51.0%; 8/20 -> 21.9%..61.3%; Newcombe difference 20 pp.
    assert "control: 20.0% (5.7%–51.0%); friendly: 40.0% (21.9%–61.3%)." in text
    assert "friendly 40.0% (21.9%–61.3%) +20.0 pp (" in text
    assert "control 4 10 0 0 2 0 0" in text
    assert "friendly 6 20 0 0 8 0 0" in text
    assert "Check the assignment" not in text


def test_results_warn_in_plain_words_when_the_split_is_off(
    app: Flask, admin: Pages, clock: FakeClock
) -> None:
    assert _create(admin).status_code == 302
    assert _status(admin, "start").status_code == 302
    # 50 vs 20 teens at 50/50: chi-square 12.86, p = 0.00034 (< 0.001 flags it).
    _seed(app, clock, {"control": (50, 0, 0), "friendly": (20, 0, 0)})
    page = admin.client.get(f"/admin/experiments/{KEY}").get_data(as_text=True)
    text = _texts(page)
    assert (
        "The split of teens between variants is off from the weights in force when each was "
        "assigned (p = 0.00034). Something may be wrong with assignment; don't trust these "
        "results until it's explained."
    ) in text
    assert "No reminders yet: rates, intervals and charts appear once" in text
    assert "<svg" not in page


def _results(rates: dict[str, Interval | None], holdout: bool = False) -> ExperimentResults:
    def variant(key: str, rate: Interval | None, is_holdout: bool = False) -> VariantResult:
        return VariantResult(
            key=key,
            weight=0.5,
            holdout=is_holdout,
            exposed_teens=1,
            nudges=1,
            acks={},
            rates={"closed_app": rate},
            vs_control={"closed_app": None},
        )

    variants = [variant(k, r) for k, r in rates.items()]
    if holdout:
        variants.append(variant("held", None, is_holdout=True))
    return ExperimentResults(
        key=KEY,
        status=Status.RUNNING,
        control="control",
        computed_at=FakeClock().now,
        source="live",
        srm=SampleRatio(0.0, 1.0, False),
        variants=tuple(variants),
    )


def test_the_chart_scales_to_the_widest_interval_and_marks_the_control() -> None:
    chart = shown.rate_chart(
        _results(
            {
                "control": Interval(0.02, 0.01, 0.04),
                "a-very-long-variant-key": Interval(0.05, 0.03, 0.08),
            },
            holdout=True,
        ),
        "closed_app",
    )
    assert [t.label for t in chart.ticks] == ["0%", "5%", "10%"]
    control, other, held = chart.rows
    assert control.is_control
    assert chart.control_x == control.x
    assert control.low_x is not None
    assert control.high_x is not None
    assert control.x is not None
    assert shown.PLOT_LEFT < control.low_x < control.x < control.high_x
    assert other.x is not None
    assert other.x > control.x
    assert other.label == "a-very-long-va…"
    assert other.high_x == pytest.approx(
        shown.PLOT_LEFT + (shown.PLOT_RIGHT - shown.PLOT_LEFT) * 0.8
    )
    assert held.x is None
    assert held.empty_text == "holdout: no reminders"
    assert chart.height == chart.axis_y + shown.AXIS_HEIGHT


@pytest.mark.parametrize(
    ("p_value", "text"),
    [(0.5271, "p = 0.53"), (0.00034, "p = 0.00034"), (0.0002, "p = 0.0002"), (1e-9, "p < 0.0001")],
)
def test_p_values_read_without_scientific_notation(p_value: float, text: str) -> None:
    assert shown.p_value_text(p_value) == text


def test_rate_rows_show_the_rate_and_a_signed_difference_with_their_intervals() -> None:
    results = _results({"control": Interval(0.2, 0.1, 0.3), "friendly": Interval(0.4, 0.2, 0.6)})
    friendly = replace(results.variants[1], vs_control={"closed_app": Interval(0.2, -0.081, 0.453)})
    results = replace(results, variants=(results.variants[0], friendly))
    control_row, friendly_row = shown.rate_panels(results)[0].rows
    assert (control_row.rate, control_row.rate_interval) == ("20.0%", "10.0%–30.0%")
    assert (control_row.is_control, control_row.versus, control_row.versus_interval) == (
        True,
        "—",
        "",
    )
    assert friendly_row.versus == "+20.0 pp"
    assert friendly_row.versus_interval == "\u22128.1 – +45.3 pp"
    assert shown.points(-0.0001) == "0.0 pp"


# --- kill switch and audit ------------------------------------------------------------------


def _switch(app: Flask) -> flags.KillSwitch:
    with db_session(app) as session:
        return flags.get_kill_switch(session)


def _kill_switch(admin: Pages, **data: Any) -> TestResponse:
    return admin.submit("/admin/kill-switch", data)


def test_kill_switch_needs_a_reason_and_the_typed_word_then_stops_every_reminder(
    app: Flask, admin: Pages, clock: FakeClock
) -> None:
    page = _texts(admin.client.get("/admin/kill-switch").get_data(as_text=True))
    assert "every check answers disabled : no reminders anywhere" in page
    assert "It is off" in page
    assert "Type STOP to confirm" in page

    refused = _kill_switch(admin, enabled="on", reason="", confirm="stop it")
    assert refused.status_code == 422
    text = _texts(refused.get_data(as_text=True))
    assert "Enter a reason." in text
    assert "Type STOP to confirm." in text
    assert _switch(app).enabled is False
    assert _audit_actions(app) == []

    response = _kill_switch(admin, enabled="on", reason="Reminders at night", confirm="stop")
    assert response.status_code == 302
    switch = _switch(app)
    assert (switch.enabled, switch.reason, switch.updated_by) == (
        True,
        "Reminders at night",
        ADMIN_EMAIL,
    )
    assert switch.updated_at == clock.now

    page = _texts(admin.client.get("/admin/kill-switch").get_data(as_text=True))
    assert "It is ON: no reminders are sent" in page
    assert "Reminders at night" in page
    assert "Type RESUME to confirm" in page
    assert "The kill switch is on: no reminders anywhere." in _texts(
        admin.client.get("/admin").get_data(as_text=True)
    )

    still_on = _kill_switch(admin, enabled="off", reason="Fixed", confirm="STOP")
    assert still_on.status_code == 422
    assert "Type RESUME to confirm." in _texts(still_on.get_data(as_text=True))
    assert _switch(app).enabled is True

    assert (
        _kill_switch(
            admin, enabled="off", reason="Fixed the zone bug", confirm=" RESUME "
        ).status_code
        == 302
    )
    assert _switch(app).enabled is False
    assert _audit_actions(app) == ["kill_switch.disable", "kill_switch.enable"]


def test_a_stale_kill_switch_form_never_flips_the_switch_back(app: Flask, admin: Pages) -> None:
    assert _kill_switch(admin, enabled="on", reason="Incident", confirm="STOP").status_code == 302
    # A second admin's page, loaded while the switch was off, turns it on again, not off.
    assert (
        _kill_switch(admin, enabled="on", reason="Still broken", confirm="STOP").status_code == 302
    )
    switch = _switch(app)
    assert (switch.enabled, switch.reason) == (True, "Still broken")


def test_audit_log_lists_every_change_newest_first_with_before_and_after(
    app: Flask, admin: Pages, clock: FakeClock
) -> None:
    assert admin.client.get("/admin/audit").status_code == 200
    assert "Nothing changed yet" in _texts(admin.client.get("/admin/audit").get_data(as_text=True))
    assert admin.client.get("/admin/audit?limit=-3").status_code == 200
    assert _create(admin).status_code == 302
    clock.advance(minutes=5)
    assert _status(admin, "start").status_code == 302
    clock.advance(minutes=5)
    assert _kill_switch(admin, enabled="on", reason="Incident", confirm="STOP").status_code == 302
    text = _texts(admin.client.get("/admin/audit").get_data(as_text=True))
    rows = re.findall(r"2026-11-25 13:\d\d UTC \S+ (\S+) on (\S+)", text)
    assert rows == [
        ("kill_switch.enable", "kill_switch"),
        ("experiment.start", KEY),
        ("experiment.create", KEY),
    ]
    assert f"2026-11-25 13:10 UTC {ADMIN_EMAIL} experiment.start on {KEY}" in text
    assert '{"status":"draft"} → changed to {"status":"running"}' in text
    assert '{"enabled":false,"reason":""} → changed to {"enabled":true,"reason":"Incident"}' in text
    assert "2026-11-25 13:15 UTC" in text
