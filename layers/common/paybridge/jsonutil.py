"""JSON without floats: numbers are read as ``Decimal`` and written back with their exact text.

Juspay sends amounts as JSON numbers; a float round trip would change their text (``1000.00`` → ``1000.0``)
and, for other values, their value. The standard library writes ``Decimal`` only as a string, so ``dumps``
here writes it as a JSON number itself.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

_encode_str = json.encoder.encode_basestring_ascii


def loads(text: str | bytes) -> Any:
    """Parses JSON with every non-integer number as ``Decimal``."""
    return json.loads(text, parse_float=Decimal)


def dumps(value: Any, *, sort_keys: bool = False) -> str:
    """Compact JSON; ``Decimal`` written as a number with its exact digits. Raises ``TypeError`` on floats
    (they must not exist here) and on types JSON cannot hold."""
    parts: list[str] = []
    _write(value, parts, sort_keys)
    return "".join(parts)


def _write(value: Any, out: list[str], sort_keys: bool) -> None:
    if isinstance(value, str):
        out.append(_encode_str(value))
    elif value is None:
        out.append("null")
    elif value is True:
        out.append("true")
    elif value is False:
        out.append("false")
    elif isinstance(value, int):
        out.append(str(value))
    elif isinstance(value, Decimal):
        if not value.is_finite():
            raise TypeError("non-finite Decimal is not JSON")
        out.append(str(value))
    elif isinstance(value, Mapping):
        out.append("{")
        items = sorted(value.items(), key=lambda kv: str(kv[0])) if sort_keys else value.items()
        for index, (key, item) in enumerate(items):
            if index:
                out.append(",")
            out.append(_encode_str(str(key)))
            out.append(":")
            _write(item, out, sort_keys)
        out.append("}")
    elif isinstance(value, list | tuple):
        out.append("[")
        for index, item in enumerate(value):
            if index:
                out.append(",")
            _write(item, out, sort_keys)
        out.append("]")
    else:
        raise TypeError(f"{type(value).__name__} is not JSON serialisable here")
