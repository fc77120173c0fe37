"""The request as handlers see it, and the route tables' building block.

A route is one line: ``route("GET", "/orders/<order_id>", handler)``; the handler is called as
``handler(simulator, request, **path_params)`` (path parameters percent-decoded) and answers
``(status, json_body)``. ``auth=False`` marks a route that authenticates its own way (the JWE API).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, unquote

from werkzeug.exceptions import MethodNotAllowed, NotFound
from werkzeug.routing import Map, Rule

from paybridge_local.simulator.errors import SimError, control_error
from paybridge_local.simulator.wire import loads_json

if TYPE_CHECKING:
    from paybridge_local.simulator.server import JuspaySimulator

__all__ = ["Answer", "Endpoint", "Handler", "SimRequest", "match", "route", "routes"]

Answer = tuple[int, Any]
Handler = Callable[..., Answer]


@dataclass(frozen=True)
class SimRequest:
    """One parsed request: what handlers need, nothing of the socket. Header names are lower case."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes

    def is_json(self) -> bool:
        """True when the body is declared JSON."""
        return "json" in self.headers.get("content-type", "")

    def form(self) -> dict[str, str]:
        """The form fields (last value wins), for ``application/x-www-form-urlencoded`` bodies."""
        if self.is_json():
            return {}
        return dict(parse_qsl(self.body.decode("utf-8", "replace"), keep_blank_values=True))

    def json(self) -> Any:
        """The JSON body (``Decimal`` for non-integers), None when empty, or a 400."""
        if not self.body.strip():
            return None
        try:
            return loads_json(self.body)
        except ValueError:
            raise control_error(400, "body is not valid JSON") from None

    def fields(self) -> dict[str, Any]:
        """The body's fields, whether sent as a form or as a JSON object (``POST /orders`` takes both)."""
        if self.is_json():
            body = self.json()
            return body if isinstance(body, dict) else {}
        return dict(self.form())


@dataclass(frozen=True)
class Endpoint:
    """What a route leads to: the handler, and whether Juspay's Basic auth is checked first."""

    handler: Handler
    auth: bool = True

    def __call__(self, simulator: JuspaySimulator, request: SimRequest, **params: str) -> Answer:
        return self.handler(simulator, request, **params)


def route(method: str, path: str, handler: Handler, *, auth: bool = True) -> Rule:
    """One route of a table: ``method`` on ``path`` (werkzeug syntax, ``<name>`` for a segment)."""
    return Rule(path, methods=[method], endpoint=Endpoint(handler, auth))


def routes(rules: list[Rule]) -> Map:
    """A route table. Paths are matched as sent (still percent-encoded), so an id may hold ``%2F``."""
    return Map(rules, strict_slashes=False, merge_slashes=False)


def match(
    table: Map,
    request: SimRequest,
    *,
    not_found: Callable[[], SimError],
    not_allowed: Callable[[list[str]], SimError],
) -> tuple[Endpoint, dict[str, str]]:
    """The endpoint and decoded path parameters for ``request``, or the table's 404/405 error."""
    try:
        endpoint, params = table.bind("simulator").match(request.path, request.method)
    except NotFound:
        raise not_found() from None
    except MethodNotAllowed as exc:
        raise not_allowed(list(exc.valid_methods or [])) from None
    assert isinstance(endpoint, Endpoint)
    return endpoint, {k: unquote(v) for k, v in params.items()}
