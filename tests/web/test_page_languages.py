"""The parent pages in the reader's language (SPEC §10): a picker on every page, the choice
kept on the account (or in a cookie before signing in), Accept-Language until then, every
sentence marked for translation (proved with the en-XA pseudo-language), and times typed the
language's way."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from babel import Locale
from flask import Flask

from alertsvc.db.models import Parent
from alertsvc.i18n import NATIVE_NAMES
from tests.web.conftest import Pages
from tests.web.test_parent_pages import _text
from tests.web.test_schedule_week_pages import COMMON_WEEK, WEEKDAYS, _post

EMAIL = "lang.parent@example.com"


def _add_teen(pages: Pages) -> str:
    response = pages.submit(
        "/teens/new", {"nickname": "Sam", "timezone": "London", "country": "auto"}
    )
    assert response.status_code == 302, _text(response)
    return response.headers["Location"].split("/")[2]


def _family(pages: Pages) -> str:
    """A parent with a teen that has a week, an exception, a paired device and a reminder."""
    pages.sign_up(EMAIL)
    teen_id = _add_teen(pages)
    teen = f"/teens/{teen_id}"
    _post(pages, teen_id, {**COMMON_WEEK, "days": WEEKDAYS})
    pages.submit(
        f"{teen}/exceptions",
        {"first_day": "2026-12-01", "kind": "no_school", "note": "Trip"},
        page=f"{teen}/calendar",
    )
    pages.submit(f"{teen}/pairing-code", {}, page=teen)
    html = pages.client.get(f"{teen}/pairing-code").get_data(as_text=True)
    code = re.search(r'<p class="code"[^>]*>([A-Z0-9]{8})</p>', html)
    assert code
    device = pages.client.post(
        "/v1/devices", json={"pairing_code": code.group(1), "platform": "android"}
    ).get_json()
    check = pages.client.post(
        "/v1/check",
        json={"utc_offset_minutes": 0},
        headers={"Authorization": f"Bearer {device['device_token']}"},
    ).get_json()
    assert check["reason"] == "in_school_hours", check
    return teen_id


def _parent_pages(teen_id: str) -> list[str]:
    teen = f"/teens/{teen_id}"
    return [
        "/",
        "/home",
        "/account",
        "/account/password",
        "/teens/new",
        teen,
        f"{teen}/edit",
        f"{teen}/pairing-code",
        f"{teen}/schedule",
        f"{teen}/calendar",
        f"{teen}/activity",
        f"{teen}/privacy",
        "/no-such-page",
    ]


def _choose(pages: Pages, tag: str, page: str = "/") -> None:
    response = pages.submit("/language", {"language": tag, "next": page}, page=page)
    assert response.status_code == 303, _text(response)
    assert response.headers["Location"] == page


def _html_tag(html: str) -> str:
    found = re.search(r"<html [^>]*>", html)
    assert found
    return found.group(0)


# --- the picker ---------------------------------------------------------------------------


def test_every_parent_page_has_the_language_picker(pages: Pages) -> None:
    signed_out = ["/", "/signup", "/login", "/no-such-page"]
    for path in signed_out:
        html = pages.client.get(path).get_data(as_text=True)
        assert 'class="language-picker"' in html, path
    teen_id = _family(pages)
    for path in _parent_pages(teen_id):
        html = pages.client.get(path).get_data(as_text=True)
        assert 'class="language-picker"' in html, path
        for tag, name in NATIVE_NAMES.items():
            assert f'value="{tag}" lang="{tag}"' in html, (path, tag)
            assert f">{name}</button>" in html, (path, name)


def test_a_signed_in_parents_choice_is_kept_on_the_account(pages: Pages, app: Flask) -> None:
    pages.sign_up(EMAIL)
    _choose(pages, "de", "/home")
    response = pages.client.get("/home")
    assert 'lang="de" dir="ltr"' in _html_tag(response.get_data(as_text=True))
    assert response.headers["Content-Language"] == "de"
    with app.app_context(), app.extensions["alertsvc"].sessions() as db:
        assert db.query(Parent.language).filter(Parent.email == EMAIL).scalar() == "de"
    # Another browser, with no cookie and another Accept-Language: the account's language.
    other = pages.fresh()
    other.client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "fr"
    other.log_in(EMAIL)
    assert other.client.get("/home").headers["Content-Language"] == "de"
    assert 'value="de" lang="de" selected' in other.client.get("/account").get_data(as_text=True)


def test_arabic_pages_are_right_to_left(pages: Pages) -> None:
    pages.sign_up(EMAIL)
    _choose(pages, "ar", "/account")
    response = pages.client.get("/account")
    assert 'lang="ar" dir="rtl"' in _html_tag(response.get_data(as_text=True))
    assert response.headers["Content-Language"] == "ar"


def test_a_visitors_choice_is_kept_in_a_cookie(pages: Pages) -> None:
    _choose(pages, "es", "/login")
    assert pages.client.get_cookie("alertsvc_lang") is not None
    response = pages.client.get("/login")
    assert 'lang="es"' in _html_tag(response.get_data(as_text=True))
    assert response.headers["Content-Language"] == "es"


def test_the_browsers_language_until_one_is_chosen(pages: Pages) -> None:
    pages.client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "fr-CA, en;q=0.5"
    response = pages.client.get("/")
    assert 'lang="fr-CA" dir="ltr"' in _html_tag(response.get_data(as_text=True))
    assert response.headers["Content-Language"] == "fr-CA"
    pages.sign_up(EMAIL)
    assert pages.client.get("/home").headers["Content-Language"] == "fr-CA"
    # Back to the browser's own from the account page.
    _choose(pages, "ja", "/account")
    assert pages.client.get("/home").headers["Content-Language"] == "ja"
    _choose(pages, "", "/account")
    assert pages.client.get("/home").headers["Content-Language"] == "fr-CA"


def test_a_language_we_do_not_speak_changes_nothing(pages: Pages) -> None:
    pages.sign_up(EMAIL)
    response = pages.submit("/language", {"language": "tlh", "next": "/home"}, page="/home")
    assert response.status_code == 303
    assert pages.client.get("/home").headers["Content-Language"] == "en"


def test_the_picker_goes_back_only_to_a_page_of_this_site(pages: Pages) -> None:
    response = pages.submit("/language", {"language": "de", "next": "https://evil.example/"})
    assert response.headers["Location"] == "/"


def test_the_api_takes_and_answers_the_language(pages: Pages) -> None:
    pages.client.post("/v1/parents", json={"email": EMAIL, "password": "correct horse battery"})
    token = pages.client.post(
        "/v1/auth/token", json={"email": EMAIL, "password": "correct horse battery"}
    ).get_json()["token"]
    auth = {"Authorization": f"Bearer {token}"}
    assert pages.client.get("/v1/parents/me", headers=auth).get_json()["language"] is None
    changed = pages.client.patch("/v1/parents/me", json={"language": "pt-br"}, headers=auth)
    assert changed.status_code == 200
    assert changed.get_json()["language"] == "pt-BR"
    refused = pages.client.patch("/v1/parents/me", json={"language": "xx-YY"}, headers=auth)
    assert refused.status_code == 422
    assert [e["field"] for e in refused.get_json()["errors"]] == ["language"]
    assert pages.client.get("/v1/parents/me", headers=auth).get_json()["language"] == "pt-BR"


# --- en-XA: no sentence left unmarked -------------------------------------------------------


class _Text(HTMLParser):
    """The text a person reads (and hears: aria-label, placeholder)."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style", "datalist"):
            self._skip += 1
        for name, value in attrs:
            if name in ("aria-label", "placeholder", "title", "alt") and value:
                self.found.append(value)

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "datalist"):
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip and data.strip():
            self.found.append(data.strip())


# What a page shows that is data, not our sentences: the family's own values, codes, names of
# languages (each in itself), and what CLDR writes for en-XA's dates (British English).
_GB = Locale.parse("en_GB")
_DATA = sorted(
    {
        EMAIL,
        "lang.parent",
        "Sam",
        "Trip",
        "android",
        "Europe/London",
        "GB",
        "JSON",
        "ics",
        "YYYY-MM-DD",
        "en-XA",
        "CA",
        "SCT",
        *NATIVE_NAMES.values(),
        *(str(name) for name in _GB.days["format"]["abbreviated"].values()),
        *(str(name) for name in _GB.days["format"]["wide"].values()),
        *(str(name) for name in _GB.months["format"]["abbreviated"].values()),
        *(str(name) for name in _GB.months["format"]["wide"].values()),
        *(str(name) for name in _GB.territories.values()),
    },
    key=len,
    reverse=True,
)


def _unmarked(text: str) -> str | None:
    """The English left in `text` once our data values are taken out (pseudo text has no
    plain ASCII letters)."""
    rest = text
    for value in _DATA:
        rest = rest.replace(value, " ")
    rest = re.sub(r"\b[A-Z0-9]{8}\b", " ", rest)  # a pairing code
    return text if re.search(r"[A-Za-z]{2,}", rest) else None


def test_en_xa_pages_have_no_unmarked_english(pages: Pages) -> None:
    teen_id = _family(pages)
    _choose(pages, "en-XA", "/home")
    # A stored reminder's title, body and explanation are the words it was sent with (data).
    html = pages.client.get(f"/teens/{teen_id}/activity").get_data(as_text=True)
    nudge_data = re.findall(r'<p class="nudge-(?:text|why)">(.*?)</p>', html, re.S)
    left: dict[str, list[str]] = {}
    for path in [*_parent_pages(teen_id), f"/teens/{teen_id}/calendar"]:
        response = pages.client.get(path)
        assert response.headers["Content-Language"] == "en-XA", path
        page = response.get_data(as_text=True)
        for block in nudge_data:
            page = page.replace(block, "")
        # Public holidays are named by the holidays library, in English for now (data).
        page = re.sub(r'(day-holiday[^>]*>.*?<p class="day-label">)[^<]*', r"\1", page, flags=re.S)
        reader = _Text()
        reader.feed(page)
        found = [text for text in reader.found if _unmarked(text)]
        if found:
            left[path] = found
    assert left == {}
    # ... and signed out.
    pages.log_out()
    for path in ("/", "/signup", "/login"):
        reader = _Text()
        reader.feed(pages.client.get(path).get_data(as_text=True))
        assert [text for text in reader.found if _unmarked(text)] == [], path


def test_en_xa_form_errors_and_flashes_are_marked(pages: Pages) -> None:
    _choose(pages, "en-XA", "/signup")
    response = pages.submit("/signup", {"email": "", "password": "x"})
    reader = _Text()
    reader.feed(response.get_data(as_text=True))
    assert [text for text in reader.found if _unmarked(text)] == []
    pages.sign_up(EMAIL)
    teen_id = _add_teen(pages)
    after = pages.client.get(f"/teens/{teen_id}/schedule").get_data(as_text=True)
    assert "Šàṽé" in after  # "Save schedule", pseudo-translated
    flash = re.search(r'<p class="flash[^"]*">(.*?)</p>', after)
    assert flash
    assert _unmarked(flash.group(1)) is None


# --- times the language's way -----------------------------------------------------------------


def test_time_inputs_round_trip_in_us_english(pages: Pages) -> None:
    pages.client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en-US"
    pages.sign_up(EMAIL)
    teen_id = _add_teen(pages)
    page = pages.client.get(f"/teens/{teen_id}/schedule").get_data(as_text=True)
    assert 'value="8:00 AM"' in page  # the suggested week, 12-hour
    assert 'value="3:00 PM"' in page
    # The page's own format, 24-hour, without a colon, lower case: all read the same.
    form = {**COMMON_WEEK, "days": WEEKDAYS}
    for start, end in (("8:30 AM", "3:10 PM"), ("08:30", "15:10"), ("0830", "3:10 pm")):
        response = _post(pages, teen_id, {**form, "same[0].start": start, "same[0].end": end})
        assert response.status_code == 302, (start, end, _text(response))
        page = pages.client.get(f"/teens/{teen_id}/schedule").get_data(as_text=True)
        assert 'name="same[0].start" type="text" value="8:30 AM"' in page
        assert 'name="same[0].end" type="text" value="3:10 PM"' in page
        assert "Monday: 8:30 AM – 3:10 PM" in page
    # The API still reads and writes 24-hour HH:MM.
    refused = _post(pages, teen_id, {**form, "same[0].start": "13:00 PM"})
    assert refused.status_code == 422
    assert 'id="f-same-0-start-error"' in refused.get_data(as_text=True)


@pytest.mark.parametrize(("tag", "shown"), [("de", "08:30"), ("ja", "8:30"), ("en-GB", "08:30")])
def test_time_inputs_follow_the_language(pages: Pages, tag: str, shown: str) -> None:
    pages.client.environ_base["HTTP_ACCEPT_LANGUAGE"] = tag
    pages.sign_up(EMAIL)
    teen_id = _add_teen(pages)
    form = {**COMMON_WEEK, "days": WEEKDAYS, "same[0].start": "8:30 am"}
    assert _post(pages, teen_id, form).status_code == 302
    page = pages.client.get(f"/teens/{teen_id}/schedule").get_data(as_text=True)
    assert f'name="same[0].start" type="text" value="{shown}"' in page


def test_the_pause_time_is_read_the_language_way(pages: Pages) -> None:
    pages.client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en-US"
    pages.sign_up(EMAIL)
    teen_id = _add_teen(pages)
    activity = f"/teens/{teen_id}/activity"
    assert 'value="8:00 AM"' in pages.client.get(activity).get_data(as_text=True)
    response = pages.submit(
        f"/teens/{teen_id}/pause",
        {"until_date": "2026-11-27", "until_time": "6:30 PM"},
        page=activity,
    )
    assert response.status_code == 302, _text(response)
    assert "Paused until Fri, Nov 27, 6:30 PM" in _text(pages.client.get(activity))
    wrong = pages.submit(
        f"/teens/{teen_id}/pause", {"until_date": "2026-11-27", "until_time": "25 PM"}, activity
    )
    assert wrong.status_code == 422
    assert "Enter a time, for example 8:30 AM." in _text(wrong)
