"""HTTP plumbing of the Juspay client: the shared session, per-call retry policies and Basic auth.

One ``requests.Session`` per container (``shared_session``) keeps TCP/TLS connections warm across Lambda
invocations. Retries are urllib3 ``Retry`` objects, but the right policy depends on the call (a GET may be
retried on a read timeout, an Update Order may not), while an adapter normally has one policy. So the
adapter here reads its policy from a context variable the client sets around each call
(``retry_policy``); outside such a block it does not retry at all.
"""

from __future__ import annotations

import base64
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

import requests
from pydantic import SecretStr
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from paybridge.observability import tracer

__all__ = [
    "RETRY_STATUSES",
    "JuspayBasicAuth",
    "PerCallRetryAdapter",
    "build_session",
    "idempotent_retry",
    "retry_policy",
    "shared_session",
    "single_shot_retry",
]

#: Answers worth another attempt: throttling and server-side failures.
RETRY_STATUSES: frozenset[int] = frozenset({429, 500, 502, 503, 504})

_current_retry: ContextVar[Retry | None] = ContextVar("juspay_current_retry", default=None)


class PerCallRetryAdapter(HTTPAdapter):
    """An ``HTTPAdapter`` whose ``max_retries`` is the policy of the call in progress (see module doc)."""

    _default_retry: Retry

    @property
    def max_retries(self) -> Retry:
        """The current call's policy, else the adapter's own (no retries unless configured)."""
        return _current_retry.get() or self._default_retry

    @max_retries.setter
    def max_retries(self, value: Retry) -> None:
        self._default_retry = value


@contextmanager
def retry_policy(retry: Retry) -> Iterator[None]:
    """Makes ``retry`` the policy of every request sent through a ``PerCallRetryAdapter`` in the block."""
    token = _current_retry.set(retry)
    try:
        yield
    finally:
        _current_retry.reset(token)


def idempotent_retry(
    max_retries: int, *, backoff_factor: float, backoff_jitter: float, backoff_max: float
) -> Retry:
    """Retries connection errors, read timeouts, 429 and 5xx, with exponential backoff and jitter.

    Only for calls that are safe to repeat: GETs, ``check_status``, and refunds (the caller's
    ``unique_request_id`` makes a repeat answer the same refund instead of creating a second one).
    """
    return Retry(
        total=max_retries,
        connect=max_retries,
        read=max_retries,
        status=max_retries,
        other=0,
        redirect=0,
        allowed_methods=frozenset({"GET", "POST"}),
        status_forcelist=RETRY_STATUSES,
        backoff_factor=backoff_factor,
        backoff_jitter=backoff_jitter,
        backoff_max=backoff_max,
        # A Lambda cannot afford a minutes-long Retry-After; longer waits belong to Step Functions.
        retry_after_max=max(1, int(backoff_max)),
        # Give the last response back so the client maps 429/5xx to its own error classes.
        raise_on_status=False,
    )


def single_shot_retry(max_retries: int, *, backoff_factor: float, backoff_jitter: float) -> Retry:
    """Retries only failures to connect: the request never reached Juspay, so repeating it is safe.

    A read timeout or a 5xx after the request was sent leaves the outcome unknown; repeating a
    non-idempotent call then could apply it twice, so those surface as errors for the caller to decide.
    """
    return Retry(
        total=max_retries,
        connect=max_retries,
        # False: a read error is raised at once, whatever the method.
        read=False,
        status=0,
        other=0,
        redirect=0,
        # Only verbs that are safe by definition; the client never sends them with this policy, so POST
        # is never repeated once sent. (An empty set would mean "every verb" in urllib3 2.x.)
        allowed_methods=frozenset({"GET", "HEAD", "OPTIONS"}),
        status_forcelist=None,
        # Otherwise a 503 with Retry-After would be retried even though the status budget is 0.
        respect_retry_after_header=False,
        backoff_factor=backoff_factor,
        backoff_jitter=backoff_jitter,
        raise_on_status=False,
    )


def build_session() -> requests.Session:
    """A new session with a ``PerCallRetryAdapter`` for http and https (no retries by default)."""
    session = requests.Session()
    adapter = PerCallRetryAdapter()
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    return session


_shared: requests.Session | None = None
_shared_lock = threading.Lock()


def shared_session() -> requests.Session:
    """The container's one session, created on first use (warm invocations reuse its connections)."""
    global _shared
    with _shared_lock:
        if _shared is None:
            # X-Ray traces Juspay calls; observability patches only botocore at import (cold start).
            tracer.patch(["requests"])
            _shared = build_session()
        return _shared


class JuspayBasicAuth(requests.auth.AuthBase):
    """HTTP Basic with the API key as user name and an empty password, as Juspay documents.

    Holds the key as ``SecretStr`` and builds the header only while a request is prepared, so neither
    this object's repr nor the client's can show it.
    """

    def __init__(self, api_key: SecretStr) -> None:
        self._api_key = api_key

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        token = base64.b64encode(f"{self._api_key.get_secret_value()}:".encode()).decode("ascii")
        request.headers["Authorization"] = f"Basic {token}"
        return request

    def __repr__(self) -> str:
        return f"JuspayBasicAuth(api_key={self._api_key!r})"
