"""Pending orders: the follower (a Step Functions execution) and the webhooks that may or may not come."""

from __future__ import annotations

from typing import Any

from demo.observe import Follower
from demo.orders import split_card, with_attempt
from demo.run import Run, scenario


def _pending(order_id: str, customer: str, attempt: int = 1) -> dict[str, Any]:
    order = split_card(order_id, customer, attempt=attempt)
    return with_attempt(order, attempt=attempt, status="PENDING_VBV", online_status="PENDING_VBV")


def _charged(order_id: str, customer: str, attempt: int = 1) -> dict[str, Any]:
    return split_card(order_id, customer, attempt=attempt)


def _polls(execution: dict[str, Any]) -> int:
    return int(execution["states"].count("CheckOrderStatus"))


def _only_execution(
    run: Run, follower: Follower, order_id: str, *, polls: int = 0, wait_s: int = 0
) -> dict[str, Any]:
    """Waits for the order's one execution to have polled ``polls`` times and be in a wait of ``wait_s``."""

    def ready() -> dict[str, Any] | None:
        executions = follower.executions(order_id)
        if len(executions) != 1:
            return None
        [execution] = executions
        waiting = execution["states"][-1:] == ["AwaitWebhookOrTimeout"] and execution["wait_s"] is not None
        long_enough = waiting and execution["wait_s"] >= wait_s and _polls(execution) >= polls
        return execution if long_enough else None

    what = f"the follower of {order_id} polling {polls} times and then waiting {wait_s} s or more"
    found: dict[str, Any] = run.client.eventually(ready, what)
    return found


def _ended(run: Run, follower: Follower, order_id: str, final_state: str) -> list[dict[str, Any]]:
    executions: list[dict[str, Any]] = run.client.eventually(
        lambda: (e := follower.executions(order_id)) and e[-1]["status"] != "RUNNING" and e,
        f"the follower of {order_id} to end",
    )
    last = executions[-1]
    run.equal((last["status"], last["states"][-1]), ("SUCCEEDED", final_state), "the follower's end")
    return executions


@scenario("late", "Pending order resolved by a late webhook", slow=True)
def resolved_by_late_webhook(run: Run) -> None:
    """TXN_CREATED starts the follower, which polls the pending order on its growing schedule; the success
    webhook comes late, during a wait, and ends that wait at once (no poll after it)."""
    client, follower = run.client, Follower(run.client)
    order_id, customer = run.ids("late")
    run.follow(order_id, customer, wallet_before=run.fund(customer, "100.00"))
    client.put_order(_pending(order_id, customer))
    client.deliver(order_id, "TXN_CREATED")
    # The follower's waits grow (30 s, 30 s, 1 min, 2 min, ...; divided by LOCAL_TIME_SCALE): pay once it is
    # in a wait of 6 s or more, so the webhook lands inside it rather than racing its timer.
    waiting = _only_execution(run, follower, order_id, wait_s=6)
    client.put_order(_charged(order_id, customer))
    client.deliver(order_id, "ORDER_PARTIAL_CHARGED")
    client.event(order_id, "OrderSettled")
    [execution] = _ended(run, follower, order_id, "ResolvedByWebhook")
    run.equal(_polls(execution), _polls(waiting), "no poll after the webhook")
    run.equal(client.bus.kinds(order_id).count("paybridge/PendingOrderResolved"), 0, "not resolved by a poll")
    run.equal(client.balance(customer), "90.00", "the wallet share debited once")


@scenario("polling", "Pending order resolved by polling only", slow=True)
def resolved_by_polling(run: Run) -> None:
    """TXN_CREATED starts the follower; the success webhook is lost; the follower's poll finds it paid."""
    client, follower = run.client, Follower(run.client)
    order_id, customer = run.ids("polling")
    run.follow(order_id, customer, wallet_before=run.fund(customer, "100.00"))
    client.put_order(_pending(order_id, customer))
    client.deliver(order_id, "TXN_CREATED")
    _only_execution(run, follower, order_id, polls=1)
    client.put_order(_charged(order_id, customer))  # paid at Juspay; its webhook never comes
    resolved = client.event(order_id, "PendingOrderResolved")["detail"]
    run.equal(resolved["resolved_by"], "poll", "resolved by the follower's poll")
    client.event(order_id, "OrderSettled")
    _ended(run, follower, order_id, "Resolved")
    run.equal(client.balance(customer), "90.00", "the wallet share debited once")
    delivered = [d["event_name"] for d in client.webhook_deliveries(order_id)]
    run.equal(delivered, ["TXN_CREATED"], "no payment webhook was ever delivered")


@scenario("retry", "A second attempt after a failed one", slow=True)
def second_attempt(run: Run) -> None:
    """Attempt 1 fails (its follow ends); attempt 2 starts (a new follow) and succeeds with its webhook lost:
    the second follow finds it, and only attempt 2's wallet entry is debited."""
    client, follower = run.client, Follower(run.client)
    order_id, customer = run.ids("retry")
    run.follow(order_id, customer, wallet_before=run.fund(customer, "100.00"))
    client.put_order(_pending(order_id, customer))
    client.deliver(order_id, "TXN_CREATED")
    failed = with_attempt(
        _pending(order_id, customer),
        attempt=1,
        status="AUTHENTICATION_FAILED",
        online_status="AUTHENTICATION_FAILED",
    )
    client.put_order(failed)
    client.deliver(order_id, "ORDER_FAILED")
    client.event(order_id, "OrderFailed")
    client.eventually(
        lambda: (e := follower.executions(order_id)) and e[0]["status"] != "RUNNING",
        "the first follow to end",
    )
    second = failed | {"txn_list": failed["txn_list"] + _pending(order_id, customer, attempt=2)["txn_list"]}
    second["status"] = "PENDING_VBV"
    client.put_order(second)
    client.deliver(order_id, "TXN_CREATED")
    client.eventually(lambda: len(follower.executions(order_id)) == 2, "a second follow")
    paid = second | {"txn_list": failed["txn_list"] + _charged(order_id, customer, attempt=2)["txn_list"]}
    paid["status"] = "PARTIAL_CHARGED"
    client.put_order(paid)  # attempt 2 is paid; its webhook is lost
    settled = client.event(order_id, "OrderSettled")["detail"]
    run.equal(settled["wallet_txn_id"], paid["txn_list"][3]["txn_id"], "attempt 2's wallet entry debited")
    executions = _ended(run, follower, order_id, "Resolved")
    run.equal(len(executions), 2, "two follows: one per attempt")
    run.equal(client.balance(customer), "90.00", "the wallet share debited once")
