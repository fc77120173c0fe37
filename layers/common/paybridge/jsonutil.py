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


#: Deepest nesting a request body may have (objects and arrays). Juspay's webhooks nest about 6 deep.
MAX_REQUEST_DEPTH = 32


class RequestJSONError(json.JSONDecodeError):
    """A request body that is not acceptable JSON; ``code`` names the rule (``json_invalid``,
    ``json_not_finite``, ``json_exponent``, ``json_too_deep``). The message never quotes the body."""

    def __init__(self, code: str, message: str, doc: str = "", pos: int = 0) -> None:
        super().__init__(message, doc, pos)
        self.code = code


def _refuse_constant(name: str) -> Any:
    raise RequestJSONError("json_not_finite", f"{name} is not a JSON number")


def _exact_number(text: str) -> Decimal:
    if "e" in text or "E" in text:
        raise RequestJSONError("json_exponent", "numbers must be written without an exponent")
    return Decimal(text)


#: Built once (``json.loads`` with hooks builds a new decoder per call).
_REQUEST_DECODER = json.JSONDecoder(parse_float=_exact_number, parse_constant=_refuse_constant)


def loads_request(text: str | bytes) -> Any:
    """Parses a request body strictly: numbers as ``Decimal`` (no exponent), no ``NaN``/``Infinity``, at most
    :data:`MAX_REQUEST_DEPTH` levels of nesting. Raises :class:`RequestJSONError` (a ``JSONDecodeError``)
    for anything else, so no input turns into a float, a ``RecursionError`` or a 500."""
    try:
        if not isinstance(text, str):
            text = text.decode(json.detect_encoding(text), "surrogatepass")  # as json.loads does
        document = _REQUEST_DECODER.decode(text)
    except RequestJSONError:
        raise
    except json.JSONDecodeError as exc:
        raise RequestJSONError("json_invalid", f"not valid JSON: {exc.msg}", pos=exc.pos) from None
    except RecursionError:
        raise RequestJSONError("json_too_deep", f"nested deeper than {MAX_REQUEST_DEPTH} levels") from None
    except (ValueError, UnicodeDecodeError):  # e.g. an integer with more digits than Python converts
        raise RequestJSONError("json_invalid", "not valid JSON") from None
    if _depth(document) > MAX_REQUEST_DEPTH:
        raise RequestJSONError("json_too_deep", f"nested deeper than {MAX_REQUEST_DEPTH} levels")
    return document


def _depth(document: Any) -> int:
    # Level by level, iterative: a recursive walk would itself hit the recursion limit on hostile input.
    # Every request pays for this walk, so it is kept cheap: one comprehension per container, and exact type
    # tests (the parser makes plain dicts and lists only). Stops once past the limit.
    deepest = 0
    level: list[Any] = [document] if type(document) in _CONTAINERS else []
    while level and deepest <= MAX_REQUEST_DEPTH:
        deepest += 1
        below: list[Any] = []
        for value in level:
            items = value.values() if type(value) is dict else value
            below += [item for item in items if type(item) in _CONTAINERS]
        level = below
    return deepest


_CONTAINERS = (dict, list)
