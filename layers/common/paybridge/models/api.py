"""The API's error envelope, as the OpenAPI document declares it for every error answer."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class FieldError(BaseModel):
    """One broken rule: which field, which rule, a message that never quotes the value."""

    field: str
    code: str
    message: str


class ErrorBody(BaseModel):
    """``{error, message, retryable, details?}``: ``error`` is a stable code (``bad_request``,
    ``unprocessable``, ``not_found``, ``conflict``, ``juspay_unavailable``, ...); ``retryable`` is true only
    for transient dependency failures (503, with ``Retry-After``)."""

    model_config = ConfigDict(extra="forbid")

    error: str = Field(examples=["unprocessable"])
    message: str
    retryable: bool
    details: dict[str, Any] | None = Field(
        default=None, description="field: the first field at fault; errors: every FieldError; other context"
    )
