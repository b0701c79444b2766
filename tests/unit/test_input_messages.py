"""Pydantic's errors said in our words and in the reader's language (SPEC §10): a limit or an
expected value is a placeholder, and no error reaches a person in pydantic's English."""

from __future__ import annotations

import re
from typing import Any

import pytest
from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt, ValidationError

from alertsvc.domain.errors import InvalidFieldsError
from alertsvc.domain.message import Message
from alertsvc.i18n import language
from alertsvc.services.inputs import error_message, parse
from alertsvc.services.inputs.accounts import SignUp
from alertsvc.services.inputs.exceptions import ExceptionIn
from alertsvc.services.inputs.schedules import ScheduleIn

ENGLISH, PSEUDO = language("en"), language("en-XA")


class _Sample(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=2, max_length=3)
    count: StrictInt = Field(ge=1, le=5)
    flag: StrictBool = True
    items: list[int] = Field(default_factory=list, max_length=1)


def _errors(model: type[BaseModel], data: Any) -> list[tuple[str, str, str]]:
    with pytest.raises(InvalidFieldsError) as refused:
        parse(model, data)
    return [(e.field, ENGLISH.say(e.message), PSEUDO.say(e.message)) for e in refused.value.errors]


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({"name": "a", "count": 1}, {"name": "must have at least 2 characters"}),
        ({"name": "abcd", "count": 1}, {"name": "must be at most 3 characters"}),
        ({"name": "ab", "count": 9}, {"count": "must be at most 5"}),
        ({"name": "ab", "count": 0}, {"count": "must be at least 1"}),
        ({"name": "ab", "count": "1"}, {"count": "must be an integer"}),
        ({"name": "ab", "count": 1, "flag": "yes"}, {"flag": "must be true or false"}),
        ({"name": "ab", "count": 1, "items": [1, 2]}, {"items": "must have at most 1 item"}),
        ({"name": 5, "count": 1, "x": 1}, {"name": "must be text", "x": "unknown field"}),
        ({"count": 1}, {"name": "is required"}),
    ],
)
def test_each_error_type_has_our_words_with_its_limits(
    data: dict[str, Any], expected: dict[str, str]
) -> None:
    said = _errors(_Sample, data)
    assert {field: english for field, english, _ in said} == expected
    for _field, english, pseudo in said:
        assert english not in pseudo
        assert pseudo.startswith("[")
        assert "%(" not in pseudo
        assert re.findall(r"\d+", english) == re.findall(r"\d+", pseudo)


def test_the_shared_inputs_never_say_pydantics_english() -> None:
    said = _errors(SignUp, {"email": "nope", "password": "short"})
    said += _errors(
        ScheduleIn,
        {"weekly": {"mon": [{"start": 1}]}, "term": {"first_day": "1/1/2026", "last_day": 3}},
    )
    said += _errors(
        ExceptionIn, {"first_day": "2026-01-01", "last_day": "2026-01-01", "kind": "other"}
    )
    for field, english, pseudo in said:
        assert not re.search(
            r"Input should|String should|Value error|valid email address:", english
        )
        assert english not in pseudo, field
    kind = [english for field, english, _ in said if field == "kind"]
    assert kind == ["must be one of 'no_school', 'custom_hours'"]


def test_an_unmapped_error_type_gets_a_generic_sentence_not_pydantics() -> None:
    class Odd(BaseModel):
        when: Any = Field()

    try:
        Odd.model_validate({})
    except ValidationError as exc:
        (error,) = exc.errors(include_url=False)
    unknown = {**error, "type": "something_new", "msg": "Pydantic's own English"}
    message = error_message(unknown)  # type: ignore[arg-type]
    assert isinstance(message, Message)
    assert "Pydantic" not in PSEUDO.say(message)
    assert ENGLISH.say(message) == "is not a valid value"
