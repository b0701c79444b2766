"""Admin pages and languages (SPEC §10): a variant's copy edited by language, targeting by
language, and the pages themselves said in the admin's language (pseudo `en-XA` here)."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest
from flask import Flask
from werkzeug.datastructures import MultiDict
from werkzeug.test import TestResponse

from alertsvc.db.repositories.experiments import load_experiment
from alertsvc.domain.message import Localized
from alertsvc.i18n.pseudo import pseudo
from alertsvc.services.experiments import StoredExperiment
from tests.web.conftest import Pages, db_session

KEY = "copy-languages"
PSEUDO = {"Accept-Language": "en-XA"}


def _texts(page: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


def _form(**overrides: str) -> dict[str, str]:
    """Control, and a variant written in Spanish first (the fallback), then English."""
    data = {
        "key": KEY,
        "traffic_percent": "100",
        "variants-0-key": "control",
        "variants-0-weight": "1",
        "variants-1-key": "localized",
        "variants-1-weight": "1",
        "variants-1-copies-0-language": "es",
        "variants-1-copies-0-title": "Hora de clase",
        "variants-1-copies-0-body": "Puede esperar.",
        "variants-1-copies-1-language": "en",
        "variants-1-copies-1-title": "School time",
        "variants-1-copies-1-body": "It can wait.",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def _create(admin: Pages, data: dict[str, str] | list[tuple[str, str]]) -> TestResponse:
    page = admin.client.get("/admin/experiments/new").get_data(as_text=True)
    token = re.search(r'name="csrf_token"(?: type="hidden")? value="([^"]+)"', page)
    assert token
    items = list(data.items()) if isinstance(data, dict) else list(data)
    return admin.client.post(
        "/admin/experiments/new", data=MultiDict([*items, ("csrf_token", token.group(1))])
    )


def _stored(app: Flask) -> StoredExperiment | None:
    with db_session(app) as session:
        return load_experiment(session, KEY)


def test_the_create_form_offers_a_row_per_language_and_language_checkboxes(admin: Pages) -> None:
    page = admin.client.get("/admin/experiments/new").get_data(as_text=True)
    assert 'name="variants-1-copies-0-language"' in page
    assert 'name="variants-1-copies-2-title"' in page
    assert '<option lang="es" value="es">Español</option>' in page or (
        re.search(r'<option[^>]*value="es"[^>]*>Español</option>', page)
    )
    for tag in ("en", "es", "fr", "de", "pt-BR", "ja", "ar"):
        assert re.search(rf'<input[^>]*name="languages"[^>]*value="{tag}"', page), tag
    assert "Text for readers without their own language" in _texts(page)


def test_create_saves_the_copy_by_language_in_order_and_the_targeting(
    app: Flask, admin: Pages
) -> None:
    data = [*_form().items(), ("languages", "es"), ("languages", "pt-BR")]
    response = _create(admin, data)
    assert response.status_code == 302, _texts(response.get_data(as_text=True))
    stored = _stored(app)
    assert stored is not None
    localized = stored.experiment.variants[1].params
    assert localized.title == Localized((("es", "Hora de clase"), ("en", "School time")))
    assert localized.body == Localized((("es", "Puede esperar."), ("en", "It can wait.")))
    assert stored.experiment.targeting.languages == ("es", "pt-BR")
    page = admin.client.get(f"/admin/experiments/{KEY}").get_data(as_text=True)
    assert '<span lang="es">Hora de clase</span>' in page
    assert '<span lang="en">School time</span>' in page
    assert page.index("Hora de clase") < page.index("School time")
    assert '<span lang="pt-BR">Português (Brasil)</span>' in page


def test_a_single_row_for_every_language_stays_one_text(app: Flask, admin: Pages) -> None:
    data = _form()
    for name in ("language", "title", "body"):
        del data[f"variants-1-copies-1-{name}"]
    data["variants-1-copies-0-language"] = ""
    assert _create(admin, data).status_code == 302
    stored = _stored(app)
    assert stored is not None
    assert stored.experiment.variants[1].params.title == Localized((("", "Hora de clase"),))
    assert stored.experiment.targeting.languages is None


def test_several_rows_each_need_a_language(app: Flask, admin: Pages) -> None:
    response = _create(admin, _form(**{"variants-1-copies-1-language": ""}))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Choose a language for each row when you write in several." in _texts(page)
    assert 'href="#variants-1-copies-1-language"' in page
    assert _stored(app) is None


def test_a_language_written_twice_is_shown_on_its_second_row(app: Flask, admin: Pages) -> None:
    response = _create(admin, _form(**{"variants-1-copies-1-language": "es"}))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "This language has a row already; write its text there." in _texts(page)
    assert 'href="#variants-1-copies-1-language"' in page
    assert _stored(app) is None


def test_a_text_too_long_in_one_language_is_shown_on_its_row(app: Flask, admin: Pages) -> None:
    response = _create(admin, _form(**{"variants-1-copies-1-title": "x" * 81}))
    assert response.status_code == 422
    assert 'href="#variants-1-copies-1-title"' in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("path", "english", "pseudo"),
    [
        ("/admin", "Create an experiment", "Çŕéàţé àñ éẋþéŕîɱéñţ"),
        ("/admin/experiments/new", "Save as draft", "Šàṽé àš đŕàƒţ"),
        ("/admin/experiments/new", "Text in another language", "Ţéẋţ îñ àñöţĥéŕ ļàñĝûàĝé"),
        ("/admin/kill-switch", "It has never been turned on.", "Îţ ĥàš ñéṽéŕ ƀééñ ţûŕñéđ öñ."),
        ("/admin/audit", "Nothing changed yet", "Ñöţĥîñĝ çĥàñĝéđ ýéţ"),
    ],
)
def test_admin_pages_speak_the_pseudo_language(
    admin: Pages, path: str, english: str, pseudo: str
) -> None:
    page = admin.client.get(path, headers=PSEUDO).get_data(as_text=True)
    text = _texts(page)
    assert english not in text
    assert pseudo in text
    assert "Ēẋþéŕîɱéñţš" not in text  # a pseudo sentence is never pseudo'd twice
    assert "[[" not in text


def test_the_experiment_page_and_its_flash_speak_the_pseudo_language(
    app: Flask, admin: Pages
) -> None:
    assert _create(admin, [*_form().items(), ("languages", "es")]).status_code == 302
    page = admin.client.get(f"/admin/experiments/{KEY}", headers=PSEUDO).get_data(as_text=True)
    text = _texts(page)
    for english in ("Set-up", "Weights and traffic", "Stop this experiment", "Weight of control"):
        assert english not in text, english
    assert "Šéţ-ûþ" in text
    assert "Ŵéîĝĥţ öƒ control" in text
    assert "Español" in text  # a language's own name is never translated
    assert "Hora de clase" in text  # nor is what the admin wrote
    started = admin.client.post(
        f"/admin/experiments/{KEY}/start",
        data={"csrf_token": _token(page)},
        headers=PSEUDO,
        follow_redirects=True,
    )
    assert "Éẋþéŕîɱéñţ copy-languages îš šţàŕţéđ." in _texts(started.get_data(as_text=True))


def test_every_label_and_option_is_said_once_and_a_language_keeps_its_own_name(
    admin: Pages,
) -> None:
    page = admin.client.get("/admin/experiments/new", headers=PSEUDO).get_data(as_text=True)
    assert f'<label for="key">{pseudo("Key")}</label>' in page  # ui.field
    assert pseudo("Holdout: no reminders for these teens") in page  # admin.checkbox
    assert f"<legend>{pseudo('Languages')}</legend>" in page  # admin.checkboxes
    assert f'<option selected value="">{pseudo("Every language")}</option>' in page
    assert '<option lang="es" value="es">Español</option>' in page
    assert '<span lang="es">Español</span>' in page
    assert "[[" not in page
    switch = admin.client.get("/admin/kill-switch", headers=PSEUDO).get_data(as_text=True)
    confirm = pseudo("Type %(word)s to confirm") % {"word": "STOP"}
    assert f'<label for="confirm">{confirm}</label>' in switch
    assert "[[" not in switch


def test_a_form_error_speaks_the_pseudo_language(admin: Pages) -> None:
    page = admin.client.get("/admin/experiments/new", headers=PSEUDO).get_data(as_text=True)
    data = {**_form(key=""), "csrf_token": _token(page)}
    response = admin.client.post("/admin/experiments/new", data=data, headers=PSEUDO)
    assert response.status_code == 422
    text = _texts(response.get_data(as_text=True))
    assert "Enter a key." not in text
    assert "Éñţéŕ à ķéý." in text
    assert "Please check the form" not in text


def _token(page: str) -> str:
    match = re.search(r'name="csrf_token"(?: type="hidden")? value="([^"]+)"', page)
    assert match
    return match.group(1)


def test_the_admin_stylesheet_is_right_to_left_safe() -> None:
    css = (Path(__file__).parents[2] / "static" / "admin.css").read_text(encoding="utf-8")
    physical = re.findall(r"^\s*[a-z-]*(?:left|right)[a-z-]*\s*:", css, re.MULTILINE)
    assert physical == []
    assert "text-align: left" not in css


def test_new_weights_keep_the_copy_by_language(app: Flask, admin: Pages) -> None:
    assert _create(admin, _form()).status_code == 302
    page = admin.client.get(f"/admin/experiments/{KEY}").get_data(as_text=True)
    data = {
        "csrf_token": _token(page),
        "traffic_percent": "40",
        "weights-0": "1",
        "weights-1": "3",
    }
    changed = admin.client.post(f"/admin/experiments/{KEY}/settings", data=data)
    assert changed.status_code == 302, _texts(changed.get_data(as_text=True))
    stored = _stored(app)
    assert stored is not None
    assert stored.experiment.variants[1].weight == 3
    assert stored.experiment.variants[1].params.title == Localized(
        (("es", "Hora de clase"), ("en", "School time"))
    )


def test_a_refusal_speaks_the_pseudo_language(app: Flask, admin: Pages) -> None:
    assert _create(admin, _form()).status_code == 302
    page = admin.client.get(f"/admin/experiments/{KEY}").get_data(as_text=True)
    # A draft cannot stop: the refusal is said in the reader's language.
    refused = admin.client.post(
        f"/admin/experiments/{KEY}/stop",
        data={"csrf_token": _token(page), "confirm": "y"},
        headers=PSEUDO,
    )
    assert refused.status_code == 409
    text = _texts(refused.get_data(as_text=True))
    assert "An experiment cannot go from" not in text
    assert "Àñ éẋþéŕîɱéñţ çàññöţ ĝö ƒŕöɱ draft ţö stopped." in text
