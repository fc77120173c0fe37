"""A local API Gateway (REST, Lambda proxy): HTTP requests become proxy events for the real handlers.

Routes come from the template's ``Api`` events. Routes the template protects with ``AWS_IAM`` need a valid
SigV4 signature made with the local stack's credentials (or temporary ones from the local STS), else 403 with
API Gateway's own messages. As on AWS, an integration that has not answered within 29 seconds gets 504 (the
function itself keeps running until it ends or its own timeout stops it).
"""

from __future__ import annotations

import base64
import json
import re
import threading
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import quote

from werkzeug.wrappers import Request, Response

from paybridge_local import sigv4
from paybridge_local.lambdas import FunctionError
from paybridge_local.provision import ApiRoute

#: API Gateway's own payload limit (REST APIs): bodies above it never reach the function.
MAX_PAYLOAD_BYTES = 10 * 1024 * 1024
_TEXT_TYPES = ("application/json", "text/", "application/x-www-form-urlencoded", "application/xml")
#: API Gateway's maximum integration timeout (REST APIs), in seconds.
INTEGRATION_TIMEOUT_S = 29.0


class Invoker(Protocol):
    """What the gateway needs of the local Lambda service: a synchronous invocation."""

    def invoke(self, name_or_arn: str, event: Any) -> Any:
        """The function's result, or ``FunctionError`` when it failed."""
        ...


@dataclass(frozen=True)
class _CompiledRoute:
    route: ApiRoute
    pattern: re.Pattern[str]


def _compile(route: ApiRoute) -> _CompiledRoute:
    regex = ""
    for part in route.path.strip("/").split("/"):
        if part.startswith("{") and part.endswith("+}"):
            regex += f"/(?P<{part[1:-2]}>.+)"
        elif part.startswith("{") and part.endswith("}"):
            regex += f"/(?P<{part[1:-1]}>[^/]+)"
        else:
            regex += "/" + re.escape(part)
    return _CompiledRoute(route, re.compile(f"^{regex or '/'}$"))


class LocalApiGateway:
    """WSGI application standing in for every API of the template on one port."""

    def __init__(
        self,
        routes: Iterable[ApiRoute],
        runtime: Invoker,
        *,
        region: str,
        access_key: str,
        secret_key: str,
        stage: str = "local",
        integration_timeout_s: float = INTEGRATION_TIMEOUT_S,
    ) -> None:
        self._routes = [_compile(r) for r in routes]
        self._runtime = runtime
        self._region = region
        self._credentials = sigv4.chain(
            sigv4.static_credentials(access_key, secret_key), sigv4.local_sts_credentials()
        )
        self._stage = stage
        self._integration_timeout_s = integration_timeout_s

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        request = Request(environ)
        response = self.handle(request)
        return response(environ, start_response)

    def handle(self, request: Request) -> Response:
        """One request in, one response out."""
        if (request.content_length or 0) > MAX_PAYLOAD_BYTES:
            return _gateway_error(413, "Request Too Long")
        body = request.get_data(cache=True)
        match = self._match(request.method, request.path)
        if match is None:
            # What a REST API answers for a path/method it has no resource for.
            return _gateway_error(403, "Missing Authentication Token")
        compiled, path_parameters = match
        identity: sigv4.Identity | None = None
        if compiled.route.iam_auth:
            try:
                identity = sigv4.verify(
                    _signed_request(request, body), credentials=self._credentials, region=self._region
                )
            except sigv4.SignatureError as exc:
                return _gateway_error(403, str(exc))
        event = self.proxy_event(request, body, compiled.route, path_parameters, identity)
        return self._integrate(compiled.route.function, event)

    def _integrate(self, function: str, event: dict[str, Any]) -> Response:
        """Invokes the function, giving up after the integration timeout as API Gateway does."""
        outcome: dict[str, Any] = {}
        done = threading.Event()

        def call() -> None:
            try:
                outcome["result"] = self._runtime.invoke(function, event)
            except Exception as exc:
                outcome["error"] = exc
            finally:
                done.set()

        # A daemon thread: a handler still running after the 504 must not keep the process from exiting.
        threading.Thread(target=call, name=f"integration-{function}", daemon=True).start()
        if not done.wait(self._integration_timeout_s):
            return _gateway_error(504, "Endpoint request timed out")
        if "error" in outcome:
            if not isinstance(outcome["error"], FunctionError):
                raise outcome["error"]
            return _gateway_error(502, "Internal server error")
        return _to_response(outcome["result"])

    def _match(self, method: str, path: str) -> tuple[_CompiledRoute, dict[str, str]] | None:
        for compiled in self._routes:
            found = compiled.pattern.match(path)
            if found and compiled.route.method in (method.upper(), "ANY"):
                return compiled, found.groupdict()
        return None

    def proxy_event(
        self,
        request: Request,
        body: bytes,
        route: ApiRoute,
        path_parameters: dict[str, str],
        identity: sigv4.Identity | None,
    ) -> dict[str, Any]:
        """The API Gateway REST proxy event (payload format 1.0) for ``request``."""
        content_type = request.headers.get("Content-Type", "")
        is_text = not body or content_type.startswith(_TEXT_TYPES)
        headers = dict(request.headers)
        multi_headers: dict[str, list[str]] = {}
        for key, value in request.headers.items():
            multi_headers.setdefault(key, []).append(value)
        query = {k: v[-1] for k, v in request.args.lists()}
        now = time.time()
        return {
            "resource": route.path,
            "path": request.path,
            "httpMethod": request.method,
            "headers": headers or None,
            "multiValueHeaders": multi_headers or None,
            "queryStringParameters": query or None,
            "multiValueQueryStringParameters": dict(request.args.lists()) or None,
            "pathParameters": path_parameters or None,
            "stageVariables": None,
            "requestContext": {
                "resourcePath": route.path,
                "httpMethod": request.method,
                "path": f"/{self._stage}{request.path}",
                "stage": self._stage,
                "requestId": str(uuid.uuid4()),
                "requestTime": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(now)),
                "requestTimeEpoch": int(now * 1000),
                "accountId": "123456789012",
                "apiId": route.api or "local",
                "protocol": request.environ.get("SERVER_PROTOCOL", "HTTP/1.1"),
                "identity": {
                    "sourceIp": request.remote_addr or "127.0.0.1",
                    "userAgent": request.headers.get("User-Agent"),
                    "accessKey": identity.access_key if identity else None,
                    "userArn": identity.user_arn if identity else None,
                    "caller": identity.access_key if identity else None,
                    "user": identity.access_key if identity else None,
                    "accountId": "123456789012" if identity else None,
                },
            },
            "body": (body.decode("utf-8", errors="replace") if is_text else base64.b64encode(body).decode())
            if body
            else None,
            "isBase64Encoded": bool(body) and not is_text,
        }


def _signed_request(request: Request, body: bytes) -> sigv4.SignedRequest:
    # The signature covers the path and query as the client sent them (percent-encoded): werkzeug's decoded
    # ``path`` would lose the difference between "/a%2Fb" and "/a/b".
    raw = request.environ.get("RAW_URI") or request.environ.get("REQUEST_URI")
    if raw:
        raw_path, _, raw_query = raw.partition("?")
    else:  # in-process requests (tests) carry no raw URI: werkzeug's own encoding of the path
        raw_path, raw_query = request.environ.get("PATH_INFO", "/"), request.query_string.decode("latin-1")
        raw_path = quote(raw_path.encode("latin-1").decode("utf-8", errors="replace"), safe="/!$&'()*+,;=:@~")
    return sigv4.SignedRequest(
        method=request.method,
        raw_path=raw_path,
        raw_query=raw_query,
        headers=list(request.headers.items()),
        body=body,
    )


def _gateway_error(status: int, message: str) -> Response:
    return Response(
        json.dumps({"message": message}),
        status=status,
        content_type="application/json",
        headers={"x-amzn-ErrorType": "AccessDeniedException" if status == 403 else "Error"},
    )


def _to_response(result: Any) -> Response:
    if not isinstance(result, dict) or "statusCode" not in result:
        return _gateway_error(502, "Internal server error")
    body = result.get("body") or ""
    data = base64.b64decode(body) if result.get("isBase64Encoded") else str(body).encode("utf-8")
    response = Response(data, status=int(result["statusCode"]))
    response.headers.clear()
    for key, value in (result.get("headers") or {}).items():
        response.headers[key] = str(value)
    for key, values in (result.get("multiValueHeaders") or {}).items():
        for value in values:
            if key not in (result.get("headers") or {}):
                response.headers.add(key, str(value))
    response.headers["Content-Length"] = str(len(data))
    return response
