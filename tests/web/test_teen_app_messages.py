"""The teen's app's words (`GET /app/messages/<tag>.json`): the app's own sentences, from the
service's catalogs, cached by ETag; and the app's files sent compressed."""

from __future__ import annotations

import gzip
import json

from flask.testing import FlaskClient

from alertsvc.web.teen_app import app_msgids


def test_the_app_sentences_are_extracted_from_its_scripts() -> None:
    found = app_msgids()
    assert "Pair this device" in found
    assert "Last reached the service at %(time)s." in found
    assert ("At most %(count)d reminder a day.", "At most %(count)d reminders a day.") in found
    assert "School time" not in found  # a sentence of the service's, not the app's


def test_messages_are_the_apps_sentences_in_the_language(client: FlaskClient) -> None:
    response = client.get("/app/messages/en-xa.json")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert response.headers["Content-Language"] == "en-XA"
    assert response.headers["Cache-Control"] == "public, no-cache"
    words = response.get_json()
    assert set(words) == {m if isinstance(m, str) else m[0] for m in app_msgids()}
    assert words["Pair this device"].startswith("[Þàîŕ ţĥîš đéṽîçé")
    assert "%(time)s" in words["Last reached the service at %(time)s."]
    assert set(words["At most %(count)d reminder a day."]) == {"one", "other"}
    arabic = client.get("/app/messages/ar.json").get_json()
    forms = arabic["At most %(count)d reminder a day."]
    assert set(forms) == {"zero", "one", "two", "few", "many", "other"}


def test_an_unchanged_catalog_is_a_304_and_an_unknown_language_a_404(
    client: FlaskClient,
) -> None:
    first = client.get("/app/messages/es-MX.json")
    assert first.headers["Content-Language"] == "es-MX"
    again = client.get("/app/messages/es-MX.json", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
    for unknown in ("tlh", "xx-YY", "not a tag"):
        assert client.get(f"/app/messages/{unknown}.json").status_code == 404


def test_the_apps_files_are_sent_gzipped_with_a_weak_etag(client: FlaskClient) -> None:
    plain = client.get("/app/views.js")
    source = plain.get_data()
    plain.close()  # the file it streams
    assert "Content-Encoding" not in plain.headers
    zipped = client.get("/app/views.js", headers={"Accept-Encoding": "gzip, br"})
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in zipped.headers["Vary"]
    assert gzip.decompress(zipped.get_data()) == source
    assert zipped.headers["ETag"].startswith('W/"')
    revalidated = client.get(
        "/app/views.js",
        headers={"Accept-Encoding": "gzip", "If-None-Match": zipped.headers["ETag"]},
    )
    revalidated.close()
    assert revalidated.status_code == 304
    words = client.get("/app/messages/fr.json", headers={"Accept-Encoding": "gzip"})
    assert json.loads(gzip.decompress(words.get_data()))["Pair this device"]
