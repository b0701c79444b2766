"""Finding a school's time zone by the name of its city, and its holidays' country."""

from __future__ import annotations

import pytest

from alertsvc.domain.errors import InvalidFieldsError
from alertsvc.services import places


@pytest.mark.parametrize(
    ("typed", "zone"),
    [
        ("London", "Europe/London"),
        ("  london ", "Europe/London"),
        ("New York", "America/New_York"),
        ("new york", "America/New_York"),
        ("New_York", "America/New_York"),
        ("São Paulo", "America/Sao_Paulo"),
        ("Sao Paulo", "America/Sao_Paulo"),
        ("SAO PAULO", "America/Sao_Paulo"),
        ("Ho Chi Minh City", "Asia/Ho_Chi_Minh"),
        ("St. John's", "America/St_Johns"),
        ("europe/london", "Europe/London"),
        ("America/Sao_Paulo", "America/Sao_Paulo"),
        ("Asia/Calcutta", "Asia/Kolkata"),  # an older name (some browsers report it): today's
        ("US/Eastern", "America/New_York"),
        ("UTC", "UTC"),
        ("Jamaica", "America/Jamaica"),  # the city's zone, not the old link named Jamaica
        ("São Paulo, Brazil (America/Sao_Paulo)", "America/Sao_Paulo"),
        ("France", "Europe/Paris"),  # a country with a single zone
        ("London, United Kingdom", "Europe/London"),
    ],
)
def test_a_city_an_iana_name_or_a_picked_label_finds_its_zone(typed: str, zone: str) -> None:
    assert places.find_zone(typed) == zone


@pytest.mark.parametrize("typed", ["", "   ", "Atlantis", "Mars/Olympus", "United States"])
def test_unknown_or_ambiguous_text_finds_no_zone(typed: str) -> None:
    # The United States has many zones: a country name alone cannot say which.
    assert places.find_zone(typed) is None


def test_every_listed_zone_is_found_again_by_its_label_and_its_city() -> None:
    choices = places.zone_choices()
    assert len(choices) > 300
    for choice in choices:
        assert places.find_zone(choice.label) == choice.zone
        assert places.find_zone(choice.city) in (choice.zone, None)
    assert [c.zone for c in choices].count("America/New_York") == 1  # not US/Eastern too


def test_a_zone_lists_its_older_names() -> None:
    kolkata = next(c for c in places.zone_choices() if c.zone == "Asia/Kolkata")
    assert "Asia/Calcutta" in kolkata.aliases


def test_a_label_names_the_city_with_its_accents_and_its_country() -> None:
    assert places.zone_label("America/Sao_Paulo") == "São Paulo, Brazil (America/Sao_Paulo)"
    assert places.zone_label("Europe/London") == "London, United Kingdom (Europe/London)"
    assert places.zone_label("US/Eastern") == "US/Eastern"


@pytest.mark.parametrize(
    ("zone", "country"),
    [
        ("Europe/London", "GB"),
        ("America/New_York", "US"),
        ("America/Sao_Paulo", "BR"),
        ("Europe/Paris", "FR"),
        ("UTC", None),
        ("Etc/GMT+5", None),
    ],
)
def test_the_holidays_country_follows_from_the_zone(zone: str, country: str | None) -> None:
    assert places.zone_country(zone) == country


@pytest.mark.parametrize(
    ("typed", "country", "subdivision"),
    [("São Paulo", "BR", None), ("London", "gb", "sct"), ("", None, None), ("UTC", None, None)],
)
def test_a_known_place_with_known_holidays_passes(
    typed: str, country: str | None, subdivision: str | None
) -> None:
    places.check_school_place(typed, country, subdivision)  # a blank place is TeenIn's to refuse


def test_an_unknown_place_is_named_in_a_parents_words_with_the_other_place_mistakes() -> None:
    with pytest.raises(InvalidFieldsError) as refused:
        places.check_school_place("Mars Olympus", "ZZ", None)
    assert refused.value.errors[0] == places.UNKNOWN_PLACE
    assert "pick it from the list" in str(places.UNKNOWN_PLACE.message)
    assert [e.field for e in refused.value.errors] == ["timezone", "country"]


def test_a_region_needs_a_country_and_must_be_one_of_its_own() -> None:
    with pytest.raises(InvalidFieldsError) as no_country:
        places.check_school_place("London", None, "SCT")
    assert [(e.field, str(e.message)) for e in no_country.value.errors] == [
        ("subdivision", "needs a country")
    ]
    with pytest.raises(InvalidFieldsError) as foreign:
        places.check_school_place("London", "GB", "CA")
    assert [e.field for e in foreign.value.errors] == ["subdivision"]


def test_holiday_countries_are_named_and_sorted_by_name() -> None:
    countries = places.holiday_countries()
    assert ("GB", "United Kingdom") in countries
    names = [name for _, name in countries]
    assert names == sorted(names)


def test_fold_drops_accents_case_and_punctuation() -> None:
    assert places.fold("  São_Paulo-Brazil ") == "sao paulo brazil"
