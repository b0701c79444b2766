"""A variant's copy by language and targeting by language, in the domain (SPEC §10)."""

from __future__ import annotations

from alertsvc.domain.copy import (
    copy_from_stored,
    copy_json,
    copy_stored,
    parse_copy,
    plain,
    speaks_to,
    tags_meet,
)
from alertsvc.domain.decision import Arm, VariantParams, nudge_copy
from alertsvc.domain.experiments import Targeting, merge_arms
from alertsvc.domain.message import Localized
from alertsvc.i18n import language, supported_tag

MAP = Localized((("es", "Hora de clase"), ("en", "School time")))


def test_a_plain_string_and_a_map_round_trip_in_order() -> None:
    assert copy_json(plain("Hi")) == "Hi"
    assert copy_stored(plain("Hi")) == "Hi"
    assert list(copy_json(MAP)) == ["es", "en"]  # type: ignore[arg-type]
    assert copy_stored(MAP) == [["es", "Hora de clase"], ["en", "School time"]]
    assert copy_from_stored(copy_stored(MAP)) == MAP
    assert copy_from_stored("Hi") == plain("Hi")


def test_a_reader_gets_their_language_its_base_or_the_first() -> None:
    copy = nudge_copy(Arm("e", "v", VariantParams(title=MAP)))
    assert language("es-MX").say(copy.title) == "Hora de clase"
    assert language("en-GB").say(copy.title) == "School time"
    assert language("fr").say(copy.title) == "Hora de clase"
    assert language("ja").say(nudge_copy(Arm("e", "v", VariantParams(title=plain("Hi")))).title)


def test_parse_copy_names_each_language() -> None:
    value, errors = parse_copy({"es-mx": "Hola", "xx": "?", "en": ""}, "t", 80, supported_tag)
    assert value is None
    assert [e.field for e in errors] == ["t.xx", "t.en"]
    value, errors = parse_copy({"es-mx": "Hola", "en": "Hi"}, "t", 80, supported_tag)
    assert errors == []
    assert value == Localized((("es-MX", "Hola"), ("en", "Hi")))
    assert parse_copy({"es": "a\x00b"}, "t", 80, supported_tag)[1][0].field == "t.es"


def test_language_targeting_matches_a_tag_or_its_base() -> None:
    assert speaks_to(("es",), "es-MX")
    assert speaks_to(("es-MX",), "es-MX")
    assert not speaks_to(("es-MX",), "es")
    assert not speaks_to(("es",), None)
    spanish = Targeting(languages=("es",))
    assert spanish.matches("US", "UTC", "es-419")
    assert not spanish.matches("US", "UTC", "en-US")
    assert Targeting().matches("US", "UTC", None)


def test_targetings_for_languages_nobody_shares_do_not_overlap() -> None:
    assert tags_meet(("es",), ("es-MX",))
    assert tags_meet(None, ("fr",))
    assert not tags_meet(("es",), ("fr", "de"))
    assert not Targeting(languages=("es",)).overlaps(Targeting(languages=("fr",)))
    assert Targeting(languages=("es",)).overlaps(Targeting(countries=frozenset({"MX"})))


def test_merge_arms_keeps_a_copy_by_language() -> None:
    merged = merge_arms(
        [
            Arm("a", "x", VariantParams(title=MAP)),
            Arm("b", "y", VariantParams(max_per_day=2)),
        ]
    )
    assert merged is not None
    assert merged.params == VariantParams(title=MAP, max_per_day=2)
