"""Reading a function's settings model from its environment: only the model's own variables, a missing
resource or a malformed value named in a ``ConfigurationError``.

Plain pydantic models validated from a filtered mapping, not pydantic-settings: the same checks without
another import at cold start (docs/decisions.md, 2026-11-30).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Self

from pydantic import BaseModel, ConfigDict, ValidationError

from paybridge.errors import ConfigurationError


class FunctionSettings(BaseModel):
    """A settings group or one function's settings: each field is aliased to its environment variable.

    A field without a default (a resource name: a table, the bus, a secret, the state machine) is required;
    a tunable has its documented default and bounds. An empty value counts as unset.
    """

    # defer_build: a function imports every model of the package but validates only its own.
    model_config = ConfigDict(frozen=True, validate_by_name=True, validate_by_alias=True, defer_build=True)

    @classmethod
    def variables(cls) -> frozenset[str]:
        """The environment variables this model reads: exactly the function's template ``Environment``."""
        return frozenset(field.alias for field in cls.model_fields.values() if field.alias)

    @classmethod
    def required_variables(cls, given: Mapping[str, str]) -> set[str]:
        """The variables that must be set, given the set ones (a group may add some that depend on others)."""
        return {f.alias for f in cls.model_fields.values() if f.alias and f.is_required()}

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Self:
        """The model read from ``env`` (default ``os.environ``), looking at its own variables only.

        Unset or empty required variables raise ``ConfigurationError`` with ``details.missing``; values that
        do not parse or break a bound raise it with ``details.invalid`` (names only: never a value).
        """
        source: Mapping[str, str] = os.environ if env is None else env
        given = {name: value.strip() for name in cls.variables() if (value := source.get(name, "")).strip()}
        missing = sorted(cls.required_variables(given) - set(given))
        if missing:
            raise ConfigurationError(
                "the function's environment lacks a resource it declares", details={"missing": missing}
            )
        try:
            return cls.model_validate(given)
        except ValidationError as exc:
            raise ConfigurationError(
                "the function's environment holds a malformed setting",
                details={"invalid": cls._invalid_names(exc)},
            ) from None

    @classmethod
    def _invalid_names(cls, exc: ValidationError) -> list[str]:
        names: set[str] = set()
        for error in exc.errors(include_input=False):
            if error["loc"]:
                names.add(str(error["loc"][0]))
            else:  # a rule between fields: its message names the variables
                names.update(name for name in cls.variables() if name in error["msg"])
        return sorted(names)
