"""Fixtures shared by every suite. AWS is moto in-process, built from template.yaml by the same code the
local stack uses; nothing here reaches a network."""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Iterator

import boto3
import pytest
from aws_lambda_powertools.utilities import parameters
from hypothesis import settings as hypothesis_settings
from moto import mock_aws

from paybridge.observability import metrics
from paybridge_local.api_gateway import LocalApiGateway
from paybridge_local.jwe_keys import register_with
from paybridge_local.simulator import JuspaySimulator
from paybridge_local.stack import LocalSettings, LocalStack, build_stack
from tests.helpers import routing_violations_message, version_violations_message

# Property tests judge results, never time: hypothesis' per-example deadline would turn a loaded CI machine
# into a failure (speed is measured in `make bench`).
hypothesis_settings.register_profile("paybridge", deadline=None)
hypothesis_settings.load_profile("paybridge")

REGION = "ap-south-1"
MOTO_CONFIG = {"lambda": {"use_docker": False}, "stepfunctions": {"execute_state_machine": True}}


@pytest.fixture(autouse=True)
def _isolated_environment(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Fake credentials, the default region, no tracing; the environment is restored after each test."""
    saved = dict(os.environ)
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL", "AWS_SECURITY_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("POWERTOOLS_TRACE_DISABLED", "true")
    monkeypatch.setenv("POWERTOOLS_METRICS_NAMESPACE", "Paybridge")
    yield
    os.environ.clear()
    os.environ.update(saved)
    # Logic driven directly (not through a handler) adds metrics nobody flushes; the next test starts clean.
    metrics.clear_metrics()


def free_port() -> int:
    """A TCP port on 127.0.0.1 nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def local_settings() -> LocalSettings:
    """The local stack's default settings, with the Juspay simulator on a free port."""
    # Lambda's retry waits (a minute, then two) shortened: tests drain failing invocations.
    return LocalSettings(
        region=REGION, juspay_port=free_port(), stack_name=f"pbt-{uuid.uuid4().hex[:8]}", async_retry_s=0.05
    )


@pytest.fixture
def simulator(local_settings: LocalSettings) -> Iterator[JuspaySimulator]:
    """The Juspay simulator where the stack's Juspay client points (``JUSPAY_BASE_URL``)."""
    sim = JuspaySimulator(
        port=local_settings.juspay_port,
        api_key=local_settings.juspay_api_key,
        merchant_id=local_settings.juspay_merchant_id,
        webhook_max_attempts=3,
        webhook_backoff_s=0.01,
    ).start()
    register_with(sim)  # the key pair in the stack's Juspay secret (JuspayApiMode=encrypted)
    try:
        yield sim
        # Test-wide rules: every Juspay call routed by its customer id and sending Juspay's version header.
        message = routing_violations_message(sim.state.routing_violation_log()) or version_violations_message(
            sim.state.version_violation_log()
        )
        if message:
            pytest.fail(message)
    finally:
        sim.stop()


@pytest.fixture
def stack(local_settings: LocalSettings) -> Iterator[LocalStack]:
    """Every resource of template.yaml in moto, handlers routed in-process."""
    parameters.clear_caches()
    with mock_aws(config=MOTO_CONFIG):
        session = boto3.session.Session(region_name=REGION)
        built = build_stack(session, local_settings)
        try:
            yield built
        finally:
            built.close()
            parameters.clear_caches()


@pytest.fixture
def gateway(stack: LocalStack, local_settings: LocalSettings) -> LocalApiGateway:
    """The local API Gateway over the stack's routes (called in-process with werkzeug requests)."""
    return LocalApiGateway(
        stack.provisioned.routes,
        stack.runtime,
        region=REGION,
        access_key=local_settings.access_key,
        secret_key=local_settings.secret_key,
    )
