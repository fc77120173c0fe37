"""Every alarm of the template has a runbook entry naming the command to run."""

from __future__ import annotations

import re

from paybridge_local.template import load_template
from tests.helpers import ROOT

RUNBOOK = ROOT / "docs" / "runbook.md"


def _sections() -> dict[str, str]:
    text = RUNBOOK.read_text(encoding="utf-8")
    parts = re.split(r"^## (\S+)\s*$", text, flags=re.MULTILINE)
    return dict(zip(parts[1::2], parts[2::2], strict=True))


def test_every_alarm_has_a_runbook_entry_with_a_command() -> None:
    alarms = {
        name
        for name, body in load_template()["Resources"].items()
        if body["Type"] == "AWS::CloudWatch::Alarm"
    }
    sections = _sections()
    assert alarms, "the template has no alarms?"
    missing = sorted(alarms - sections.keys())
    assert not missing, f"alarms without a section in docs/runbook.md: {missing}"
    without_command = sorted(a for a in alarms if "python -m paybridge_ops " not in sections[a])
    assert not without_command, f"runbook sections naming no paybridge_ops command: {without_command}"
    stale = sorted(sections.keys() - alarms)
    assert not stale, f"runbook sections for alarms the template no longer has: {stale}"


def test_every_command_the_runbook_names_exists() -> None:
    from paybridge_ops.cli import parser

    commands = set(parser()._subparsers._group_actions[0].choices)  # type: ignore[union-attr]
    named = set(re.findall(r"python -m paybridge_ops\s+(\w+)", RUNBOOK.read_text(encoding="utf-8")))
    assert named
    assert named <= commands, named - commands
