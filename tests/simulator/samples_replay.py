"""Replaying Juspay's official ``*.curl.txt`` samples: parse a curl command, send it to the simulator with
only the host and credentials changed, and compare the answer's shape with the official response sample."""

from __future__ import annotations

import base64
import re
import shlex
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import quote_plus, urlsplit

__all__ = ["CurlRequest", "parse_curl", "shape_differences"]

#: How Juspay's webhook samples mask a value (card data, tokens, times).
MASKED = "FILTERED"
_METHODS = {"GET", "POST", "PUT", "DELETE", "PATCH", "HEAD"}
_DATA = {"-d", "--data", "--data-raw", "--data-binary", "--data-ascii"}
_FLAGS = {"--location", "-L", "-g", "--globoff", "-s", "--silent", "-v", "-i"}


@dataclass
class CurlRequest:
    """What a curl command sends: method, URL path, headers (names lower case) and body."""

    method: str
    path: str
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""

    def with_credentials(self, api_key: str, merchant_id: str) -> CurlRequest:
        """The same request with the simulator's API key and merchant id (where the sample sends any)."""
        headers = dict(self.headers)
        if "authorization" in headers:
            headers["authorization"] = "Basic " + base64.b64encode(f"{api_key}:".encode()).decode()
        if "x-merchantid" in headers:
            headers["x-merchantid"] = merchant_id
        return CurlRequest(self.method, self.path, headers, self.body)


def _tokens(text: str) -> list[str]:
    # The samples are hand-written: some lines lack their trailing backslash (the command goes on) and one
    # quote is never closed. Every line is read as part of the one command; a missing closing quote is added.
    joined = text.replace("\\\r\n", " ").replace("\\\n", " ")
    for suffix in ("", "'", '"'):
        try:
            return shlex.split(joined + suffix)
        except ValueError:
            continue
    raise ValueError("unparsable curl command")


def parse_curl(path: Path) -> CurlRequest:
    """The request a ``curl`` sample sends (``-X``/``--request``, ``-H``, ``-u``, ``-d``/``--data*``)."""
    tokens = _tokens(path.read_text(encoding="utf-8"))
    if not tokens or tokens[0] != "curl":
        raise ValueError(f"{path.name} is not a curl command")
    method, url, headers, parts = None, None, {}, []
    items = iter(tokens[1:])
    for token in items:
        if token in ("-X", "--request"):
            method = next(items).upper()
        elif token in ("-H", "--header"):
            name, _, value = next(items).partition(":")
            headers[name.strip().lower()] = value.strip()
        elif token in ("-u", "--user"):
            headers["authorization"] = "Basic " + base64.b64encode(next(items).encode()).decode()
        elif token in _DATA:
            parts.append(next(items))
        elif token == "--data-urlencode":
            name, _, value = next(items).partition("=")
            parts.append(f"{name}={quote_plus(value)}")
        elif token in _FLAGS:
            continue
        elif token.upper() in _METHODS and url is None and method is None:
            # ``curl GET 'https://...'``: the samples' way to name the method (curl would take it for a URL).
            method = token.upper()
        elif url is None:
            url = token
        else:
            raise ValueError(f"{path.name}: unexpected {token!r}")
    if url is None:
        raise ValueError(f"{path.name}: no URL")
    if parts and "content-type" not in headers:
        headers["content-type"] = "application/x-www-form-urlencoded"
    body = "&".join(parts).encode() if parts else b""
    target = urlsplit(url).path if url.startswith("http") else url
    return CurlRequest(method or ("POST" if parts else "GET"), target, headers, body)


_ISO_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")


def _kind(value: Any) -> str:
    # An ISO-8601 UTC time is its own kind: Juspay answers those where a request sent epoch seconds.
    if isinstance(value, str) and _ISO_TIME.match(value):
        return "timestamp"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float | Decimal):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def shape_differences(sample: Any, answer: Any, where: str = "$") -> list[str]:
    """Where ``answer`` differs from ``sample`` in field names or JSON types, recursively.

    Types are JSON's, with an ISO-8601 time (``2024-11-24T14:50:49Z``) told apart from other strings.
    ``null`` matches any type (Juspay writes null for a value not set; which ones are set differs between a
    sample and an answer), and so does a value the sample masks (``"FILTERED"``: its type is unknown).
    Arrays compare element by element (answered elements beyond the sample's with its last one): arrays
    such as ``txn_list`` hold elements of different shapes.
    """
    kinds = (_kind(sample), _kind(answer))
    if "null" in kinds or sample == MASKED:
        return []
    if kinds[0] != kinds[1]:
        return [f"type {where}: sample {kinds[0]}, answer {kinds[1]}"]
    if isinstance(sample, dict):
        found = [f"missing {where}.{k}" for k in sample if k not in answer]
        found += [f"extra {where}.{k}" for k in answer if k not in sample]
        for key in sample:
            if key in answer:
                found += shape_differences(sample[key], answer[key], f"{where}.{key}")
        return found
    if isinstance(sample, list) and sample and answer:
        found = []
        for index, element in enumerate(answer):
            model = sample[min(index, len(sample) - 1)]
            found += shape_differences(model, element, f"{where}[{index}]")
        return found
    return []
