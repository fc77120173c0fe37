"""The soak's command line: options and the follow parameters it passes to the local stack."""

from __future__ import annotations

from tests.soak.__main__ import follow_parameters, longest_schedule_s, parse_args, render
from tests.soak.checker import Report, Violation


def overrides(*argv: str) -> dict[str, str]:
    return dict(item.split("=") for item in follow_parameters(parse_args(list(argv))).split())


def test_follow_parameters_are_scaled_and_limited_to_the_templates() -> None:
    plain = overrides("--deadline", "40", "--time-scale", "1")
    assert plain["PendingOrderDeadlineSeconds"] == "40"
    scaled = overrides("--deadline", "40", "--time-scale", "10")
    assert scaled["PendingOrderDeadlineSeconds"] == "400"
    assert set(scaled) == set(plain)
    assert "PendingOrderBackoffSeconds" not in scaled, "not a parameter of the template any more"


def test_render_lists_counts_invariants_and_violations() -> None:
    report = Report([Violation("lost", "o1", "webhook e1 not accepted")], {"orders": 1})
    text = render(report)
    assert "orders" in text
    assert "lost                     1 VIOLATIONS" in text
    assert "o1" in text
    assert "webhook e1 not accepted" in text


def test_longest_schedule_reads_rates_and_parameter_defaults() -> None:
    template = {
        "Parameters": {"Every": {"Default": "rate(1 hour)"}},
        "Resources": {
            "Sweep": {
                "Properties": {
                    "Events": {"S": {"Type": "Schedule", "Properties": {"Schedule": "rate(5 minutes)"}}}
                }
            },
            "Reconcile": {
                "Properties": {
                    "Events": {"R": {"Type": "Schedule", "Properties": {"Schedule": {"Ref": "Every"}}}}
                }
            },
            "Api": {"Properties": {"Events": {"A": {"Type": "Api", "Properties": {"Path": "/x"}}}}},
        },
    }
    assert longest_schedule_s(template) == 3600
    assert longest_schedule_s({"Resources": {}}) == 0
