"""The soak plan: reproducible from its seed, and shaped as the issue asks."""

from __future__ import annotations

from tests.soak.juspay_orders import order_status, wallet_minor
from tests.soak.plan import FAILURES, make_plan


def test_same_seed_same_plan_other_seed_other_plan() -> None:
    assert make_plan(seed=5, orders=40) == make_plan(seed=5, orders=40)
    assert make_plan(seed=5, orders=40) != make_plan(seed=6, orders=40)


def test_plan_has_several_attempts_duplicates_drops_and_refunds() -> None:
    plan = make_plan(seed=7, orders=500)
    counts = plan.counts
    assert counts["attempts"] >= 1.5 * counts["orders"]
    assert counts["webhooks_dropped"] > 0
    assert counts["webhooks_duplicated"] > 0
    assert counts["dashboard_refunds"] > 0
    assert len({o.order_id for o in plan.orders}) == 500
    for order in plan.orders:
        assert order.steps[0].kind == "sign"
        assert all(a.outcome in FAILURES for a in order.attempts[:-1]), "only the last attempt may succeed"
        built = {s.event: s.deliveries for s in order.steps if s.kind == "build"}
        delivered = [s.event for s in order.steps if s.kind == "deliver"]
        assert sorted(delivered) == sorted(e for e, n in built.items() for _ in range(n))
        assert all(1 <= n <= 3 for n in built.values() if n), "1 to 3 deliveries, or none"
        positions = {s.event: i for i, s in enumerate(order.steps) if s.kind == "build"}
        for i, step in enumerate(order.steps):
            if step.kind == "deliver":
                assert positions[step.event] < i, "a snapshot is delivered after it is built"


def test_juspay_order_keeps_every_attempt_and_the_split_adds_up() -> None:
    plan = next(o for o in make_plan(seed=7, orders=50).orders if len(o.attempts) == 3)
    running = order_status(plan, 500_00, 2, ended=False)
    assert running["status"] == "PENDING_VBV"
    assert len(running["txn_list"]) == 4
    done = order_status(plan, 500_00, 3, ended=True)
    last_online, last_wallet = done["txn_list"][-2:]
    assert last_wallet["payment_method_type"] == "MERCHANT_CONTAINER"
    assert last_wallet["status"] == "TO_BE_CHARGED"
    share = wallet_minor(plan, plan.attempts[2], 500_00)
    assert last_wallet["txn_detail"]["txn_amount"] * 100 == share
    assert (last_online["txn_detail"]["txn_amount"] + last_wallet["txn_detail"]["txn_amount"]) * 100 == (
        plan.amount_minor
    )
    no_offer = order_status(plan, 0, 1, ended=True)
    assert [t["payment_method_type"] for t in no_offer["txn_list"]] == [plan.attempts[0].method]
