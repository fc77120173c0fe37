"""statemachines/pending_order.asl.json, template.yaml and the code agree: retried error classes are exactly
the client's transient ones, every Juspay error has a decided fate, substitutions and permissions line up."""

from __future__ import annotations

import json
import re
from typing import Any

from paybridge import errors
from paybridge_local.template import ROOT, load_template

DEFINITION_TEXT = (ROOT / "statemachines/pending_order.asl.json").read_text()
DEFINITION: dict[str, Any] = json.loads(DEFINITION_TEXT)
STATES: dict[str, Any] = DEFINITION["States"]
TEMPLATE = load_template()
MACHINE: dict[str, Any] = TEMPLATE["Resources"]["PendingOrderStateMachine"]["Properties"]
JUSPAY_ERRORS = {
    name
    for name, obj in vars(errors).items()
    if isinstance(obj, type) and issubclass(obj, errors.JuspayError)
}


def retried(state: dict[str, Any]) -> dict[str, int]:
    """Error name → MaxAttempts of the first retrier naming it (Step Functions uses the first match)."""
    found: dict[str, int] = {}
    for retrier in state.get("Retry", []):
        for name in retrier["ErrorEquals"]:
            found.setdefault(name, retrier.get("MaxAttempts", 3))
    return found


def test_the_poll_retries_exactly_the_clients_transient_errors() -> None:
    attempts = retried(STATES["CheckOrderStatus"])
    transient = {cls.__name__ for cls in errors.TRANSIENT_ERRORS}
    assert {name for name in JUSPAY_ERRORS if attempts.get(name, 0) > 0} == transient


def test_every_juspay_error_has_a_decided_fate_before_the_generic_retry() -> None:
    attempts = retried(STATES["CheckOrderStatus"])
    assert set(attempts) >= JUSPAY_ERRORS, sorted(JUSPAY_ERRORS - set(attempts))
    names = [n for r in STATES["CheckOrderStatus"]["Retry"] for n in r["ErrorEquals"]]
    # States.TaskFailed matches every error: it must come after the named ones, or it would retry them all.
    assert names.index("States.TaskFailed") > max(names.index(n) for n in JUSPAY_ERRORS)


def test_every_task_failure_ends_in_the_recorded_failure() -> None:
    for name in ("AwaitWebhookOrTimeout", "CheckOrderStatus"):
        catchers = STATES[name]["Catch"]
        assert catchers[-1] == {
            "ErrorEquals": ["States.ALL"],
            "ResultPath": "$.error",
            "Next": "RecordFailure",
        }
    assert STATES["RecordFailure"]["Next"] == "Failed"
    assert STATES["Failed"]["Type"] == "Fail"


def test_the_wait_is_a_callback_with_a_dynamic_timeout_not_a_wait_state() -> None:
    wait = STATES["AwaitWebhookOrTimeout"]
    assert wait["Resource"].endswith(".waitForTaskToken")
    assert wait["TimeoutSecondsPath"] == "$.next_wait_seconds"
    assert {"ErrorEquals": ["States.Timeout"], "ResultPath": None, "Next": "CheckOrderStatus"} in wait[
        "Catch"
    ]
    assert all(state["Type"] != "Wait" for state in STATES.values())


def test_substitutions_and_definition_placeholders_match() -> None:
    placeholders = set(re.findall(r"\$\{(\w+)\}", DEFINITION_TEXT))
    assert placeholders == set(MACHINE["DefinitionSubstitutions"])
    assert MACHINE["DefinitionUri"] == "statemachines/pending_order.asl.json"
    assert MACHINE["Type"] == "STANDARD"


def test_the_machine_may_invoke_exactly_its_task_functions() -> None:
    invoked = {
        value["Fn::GetAtt"][0]
        for key, value in MACHINE["DefinitionSubstitutions"].items()
        if key.endswith("FunctionArn")
    }
    allowed = {policy["LambdaInvokePolicy"]["FunctionName"]["Ref"] for policy in MACHINE["Policies"]}
    assert (
        invoked
        == allowed
        == {
            "AwaitOrderWebhookFunction",
            "CheckPendingOrderFunction",
            "RecordPendingOrderFailureFunction",
        }
    )


def test_schedule_parameters_reach_the_functions_not_the_definition() -> None:
    # The schedule is computed by the start and the poll task (one place, unit-tested), so the definition
    # takes only the task functions' ARNs.
    parameters = TEMPLATE["Parameters"]
    variables = {
        **TEMPLATE["Resources"]["StartPendingOrderFunction"]["Properties"]["Environment"]["Variables"],
        **TEMPLATE["Resources"]["SignSdkPayloadFunction"]["Properties"]["Environment"]["Variables"],
    }
    expected = {
        "PendingOrderFirstWaitSeconds": ("PENDING_ORDER_FIRST_WAIT_SECONDS", 30),
        "PendingOrderMaxWaitSeconds": ("PENDING_ORDER_MAX_WAIT_SECONDS", 14400),
        "PendingOrderDeadlineSeconds": ("PENDING_ORDER_DEADLINE_SECONDS", 86400),
        "OrderExpiryMinutes": ("ORDER_EXPIRY_MINUTES", 15),
        "TimeScale": ("TIME_SCALE", 1),
    }
    for parameter, (variable, default) in expected.items():
        assert parameters[parameter]["Default"] == default, parameter
        assert variables[variable] == {"Ref": parameter}, variable
    assert set(MACHINE["DefinitionSubstitutions"]) == {
        "AwaitOrderWebhookFunctionArn",
        "CheckPendingOrderFunctionArn",
        "RecordPendingOrderFailureFunctionArn",
    }
    assert set(re.findall(r"\$\{(\w+)\}", DEFINITION_TEXT)) == set(MACHINE["DefinitionSubstitutions"])


def test_the_state_machine_arn_given_to_functions_is_the_machines_own() -> None:
    name = MACHINE["Name"]["Fn::Sub"]
    environment = TEMPLATE["Resources"]["StartPendingOrderFunction"]["Properties"]["Environment"]
    arn = environment["Variables"]["PENDING_ORDER_STATE_MACHINE_ARN"]["Fn::Sub"]
    assert arn.endswith(f":stateMachine:{name}")
    for function in ("StartPendingOrderFunction", "AwaitOrderWebhookFunction"):
        statements = TEMPLATE["Resources"][function]["Properties"]["Policies"][0]["Statement"]
        states_resources = [
            s["Resource"]["Fn::Sub"]
            for s in statements
            if s["Action"] in ("states:StartExecution", "states:SendTaskSuccess")
        ]
        assert states_resources == [arn], function
