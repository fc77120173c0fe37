"""The pending-order state machine on moto, built from template.yaml with short waits.

The definition is the real one; only the template parameters change (``PendingOrderFirstWaitSeconds``,
``PendingOrderMaxWaitSeconds``, ``PendingOrderDeadlineSeconds``, ``TimeScale``), as
``LOCAL_PARAMETER_OVERRIDES`` and ``LOCAL_TIME_SCALE`` change them for ``make local``. A test picks other
values by parametrizing ``pending_parameters``.
"""

from __future__ import annotations

import dataclasses

import pytest

from paybridge_local.stack import LocalSettings

#: One-second waits, a four-second deadline: every scenario ends within seconds.
SHORT_WAITS = {
    "PendingOrderFirstWaitSeconds": "1",
    "PendingOrderMaxWaitSeconds": "1",
    "PendingOrderDeadlineSeconds": "4",
}


@pytest.fixture
def pending_parameters() -> dict[str, str]:
    """Template parameters of the pending-order machine for this test (parametrize to change them)."""
    return dict(SHORT_WAITS)


@pytest.fixture
def local_settings(local_settings: LocalSettings, pending_parameters: dict[str, str]) -> LocalSettings:
    """The shared local settings, with the pending-order waits shortened by configuration."""
    return dataclasses.replace(local_settings, parameter_overrides=pending_parameters)
