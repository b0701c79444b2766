"""alertsvc.i18n: choosing a reader's language, and saying times, dates, holidays and
sentences the way it writes them (SPEC §10)."""

from __future__ import annotations

from datetime import date

import pytest

from alertsvc.domain.message import Clock, Day, Holiday, Hours, Localized, msg, msg_n
from alertsvc.i18n import PSEUDO_TAG, best_language, language, supported_tag
from alertsvc.i18n.pseudo import pseudo


@pytest.mark.parametrize(
    ("tags", "tag", "catalog"),
    [
        ((), "en", "en"),
        (("zh-CN", "tlh"), "en", "en"),
        (("zh-CN", "es-MX", "de"), "es-MX", "es"),
        (("de-AT",), "de-AT", "de"),
        (("pt-PT",), "pt-PT", "pt_BR"),  # Portugal reads the Brazilian catalog, its own formats
        (("PT-br",), "pt-BR", "pt_BR"),
        (("ar_EG",), "ar-EG", "ar"),
        ((None, "", "x" * 40, "ja"), "ja", "ja"),
        (("en-xa",), PSEUDO_TAG, "en"),
    ],
)
def test_the_first_tag_we_speak_wins_else_english(
    tags: tuple[str | None, ...], tag: str, catalog: str
) -> None:
    chosen = best_language(tags)
    assert (chosen.tag, chosen.catalog) == (tag, catalog)


def test_unsupported_tags_are_none() -> None:
    assert supported_tag("zh") is None
    assert supported_tag("not a tag") is None
    assert supported_tag("es-419") == "es-419"


@pytest.mark.parametrize(
    ("tag", "window", "clock", "end_of_day"),
    [
        ("en", "8:00 AM – 3:00 PM", "8:05 AM", "12:00 AM"),
        ("en-GB", "08:00–15:00", "08:05", "24:00"),
        ("de", "08:00–15:00 Uhr", "08:05", "24:00"),
        ("fr", "08:00 – 15:00", "08:05", "24:00"),
        ("ja", "8時00分～15時00分", "8:05", "24:00"),
        ("ar", "8:00 ص – 3:00 م", "8:05 ص", "12:00 ص"),
    ],
)
def test_times_are_written_the_languages_way_with_plain_spaces(
    tag: str, window: str, clock: str, end_of_day: str
) -> None:
    lang = language(tag)
    assert lang.window(8 * 60, 15 * 60) == window
    assert lang.clock(8 * 60 + 5) == clock
    assert lang.clock(24 * 60) == end_of_day
    assert "\u202f" not in lang.window(8 * 60, 15 * 60)


def test_a_day_lists_its_windows_and_dates_write_the_weekday_out() -> None:
    assert language("en-GB").hours(((495, 705), (750, 905))) == "08:15–11:45 and 12:30–15:05"
    assert language("de").day(date(2026, 12, 7), with_year=False) == "Montag, 7. Dezember"
    assert language("en").day(date(2027, 1, 4)) == "Monday, January 4, 2027"
    assert language("ar").direction == "rtl"
    assert language("fr").direction == "ltr"


def test_a_sentence_fills_its_values_in_the_readers_language() -> None:
    sentence = msg(
        "School hours today are %(hours)s (%(zone)s); a reminder can come again %(when)s.",
        hours=Hours(((480, 900),)),
        zone="Europe/Berlin",
        when=msg("on %(day)s after %(time)s", day=Day(date(2026, 12, 7), False), time=Clock(500)),
    )
    said = language("de").say(sentence)
    assert "08:00–15:00 Uhr" in said
    assert "Montag, 7. Dezember" in said
    assert "08:20" in said
    assert "Europe/Berlin" in said
    assert str(sentence).startswith("School hours today are 08:00–15:00 (Europe/Berlin)")


def test_plurals_follow_each_languages_rules() -> None:
    for count in (0, 1, 2, 3, 11, 100):
        said = language("ar").say(msg_n("%(count)d minute", "%(count)d minutes", count))
        assert said
    assert language("en").say(msg_n("%(count)d minute", "%(count)d minutes", 1)) == "1 minute"
    assert language("en").say(msg_n("%(count)d minute", "%(count)d minutes", 2)) == "2 minutes"


def test_a_persons_text_is_picked_by_language_then_the_first() -> None:
    copy = Localized((("en", "Quick check"), ("es", "Un momento")))
    assert language("es-MX").say(copy) == "Un momento"
    assert language("fr").say(copy) == "Quick check"
    assert language("ja").say(Localized((("", "Hi"),))) == "Hi"


def test_a_holiday_is_named_by_its_countrys_calendar_in_the_readers_language() -> None:
    christmas = Holiday("Christmas Day", "FR", None, date(2026, 12, 25))
    assert language("fr").say(msg("public holiday: %(name)s", name=christmas)) == (
        "jour férié : Noël"
    )
    assert (
        language("en")
        .say(msg("public holiday: %(name)s", name=christmas))
        .endswith("Christmas Day")
    )
    thanksgiving = Holiday("Thanksgiving Day", "US", None, date(2026, 11, 26))
    assert language("es").say(msg("%(name)s", name=thanksgiving)) == "Thanksgiving Day"


def test_a_full_stop_after_a_time_that_carries_one_is_not_doubled() -> None:
    said = language("es-MX").say(msg("a reminder can come again at %(time)s.", time=Clock(642)))
    assert said.endswith("a.m.")
    assert not said.endswith("..")


def test_pseudo_keeps_placeholders_and_markup() -> None:
    text = pseudo('School hours are %(hours)s <a href="%(url)s">here</a>')
    assert "%(hours)s" in text
    assert '<a href="%(url)s">' in text
    assert len(text) >= 1.4 * len('School hours are %(hours)s <a href="%(url)s">here</a>')
