"""What Twilio's webhook forms have in common once they are pydantic models (domain.intake's message form,
domain.replies' status callback form): the form protocol, the refusals, and their mapping to InvalidMessage.

Every validator of those models raises `refusal(reason)`: a pydantic error whose message is the reason the
webhook answers with (400, `invalid_message`). `invalid_message` turns the first error of a ValidationError into
InvalidMessage(<Twilio's field name>, reason); the reasons never quote the value (it may be patient data).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Protocol, overload

from pydantic import AliasChoices, BaseModel, ValidationError
from pydantic_core import PydanticCustomError

from fasttriage.domain.errors import InvalidMessage


class Form(Protocol):
    """Form fields: first value by key (Mapping) and every value by getlist()."""

    @overload
    def get(self, key: str, default: None = None, /) -> str | None: ...

    @overload
    def get(self, key: str, default: str, /) -> str: ...

    def getlist(self, key: str, /) -> list[str]: ...


def refusal(reason: str, field: str | None = None) -> PydanticCustomError:
    """A validation error whose message is the webhook's reason; `field` names it when the error is not a
    single field's (a model validator: 'MediaUrl2', 'Latitude/Longitude')."""
    return PydanticCustomError("twilio_form", reason, {"field": field} if field else None)


def one_value(values: object) -> str:
    """A field Twilio sends once (MessageSid, AccountSid, From): given as every value the form holds, it must be
    there, not blank, and not repeated with another value."""
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        raise refusal("is not a form field")
    if not values or not values[0].strip():
        raise refusal("is missing")
    if len(set(values)) > 1:
        raise refusal("is given more than once with different values")
    return values[0].strip()


def matches(pattern: re.Pattern[str], reason: str) -> Callable[[str], str]:
    """An after-validator: the value matches one of domain.models' id patterns, or the refusal `reason`."""

    def check(value: str) -> str:
        if not pattern.match(value):
            raise refusal(reason)
        return value

    return check


def invalid_message(exc: ValidationError, model: type[BaseModel]) -> InvalidMessage:
    """The first error (fields are checked in the order of the model's fields) as InvalidMessage naming the Twilio
    field: the error's own `field`, else the alias of the field it is about (its first name, for a field that
    takes two: MessageSid/SmsSid)."""
    error = exc.errors()[0]
    field = (error.get("ctx") or {}).get("field") or ".".join(
        _twilio_name(model, str(part)) for part in error["loc"]
    )
    reason = (
        "is missing" if error["type"] == "missing" else error["msg"]
    )  # pydantic's messages quote no input
    return InvalidMessage(str(field or "form"), reason)


def _twilio_name(model: type[BaseModel], name: str) -> str:
    """A field's Twilio name; a default that failed validation is reported under the field's own name."""
    info = model.model_fields.get(name)
    if info is None:
        return name
    alias = info.validation_alias or info.alias
    if isinstance(alias, AliasChoices):
        alias = alias.choices[0]
    return alias if isinstance(alias, str) else name
