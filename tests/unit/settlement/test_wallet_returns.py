"""Explicit wallet-share returns (POST /orders/{order_id}/wallet-returns) over the real repositories (moto):
idempotent on the key, capped by what was debited and not yet returned, shared with the credit-back."""

from __future__ import annotations

import copy
from decimal import Decimal
from typing import Any

import pytest

from paybridge.dal.orders import OrdersRepository, OrderStatus
from paybridge.dal.wallet_returns import return_wallet_share as ledger_return
from paybridge.dal.wallets import WalletRepository
from paybridge.errors import BadRequestError, ConflictError, NotFoundError, UnprocessableError
from paybridge.logic.return_wallet_share import ReturnDependencies, return_wallet_share
from paybridge.logic.settle_order import settle_order
from paybridge.logic.wallet_share import credit_back_wallet_share
from paybridge.models.juspay import Order
from tests.unit.settlement.conftest import Clock, RacingClient
from tests.unit.settlement.test_settle_order_logic import DETAIL, ORDER, FakePublisher, deps_for, fund


@pytest.fixture
def returns(wallets: WalletRepository, orders: OrdersRepository, clock: Clock) -> ReturnDependencies:
    """A settled order ord-9 (wallet share 10.00 debited from cust-9's 100.00) and the return route's deps."""
    fund(wallets, clock)
    deps, _, _ = deps_for(ORDER, wallets, orders, clock)
    assert settle_order(DETAIL, deps).status == "SETTLED"
    return ReturnDependencies(orders=orders, wallets=wallets, publisher=FakePublisher(), clock=clock)  # type: ignore[arg-type]


def balance(wallets: WalletRepository) -> int:
    wallet = wallets.get_wallet("cust-9")
    assert wallet is not None
    return wallet.balance_minor


def ask(deps: ReturnDependencies, amount: Any, key: str = "k1", **extra: Any) -> tuple[int, dict[str, Any]]:
    return return_wallet_share("ord-9", {"amount": amount, "idempotency_key": key, **extra}, deps)


def test_a_return_is_applied_once_per_key(returns: ReturnDependencies, wallets: WalletRepository) -> None:
    status, body = ask(returns, "4.00", reason="goodwill")
    again_status, again = ask(returns, "4.00", reason="goodwill")

    assert status == 201
    assert (body["status"], body["amount"], body["returned_amount"], body["returnable_amount"]) == (
        "RETURNED",
        "4.00",
        "4.00",
        "6.00",
    )
    assert (again_status, again["status"], again["entry"]) == (200, "ALREADY_DONE", body["entry"])
    assert balance(wallets) == 9_400
    assert body["entry"]["type"] == "REVERSAL"
    publisher: FakePublisher = returns.publisher  # type: ignore[assignment]
    assert publisher.types() == ["WalletShareReturned", "WalletShareReturned"]
    assert publisher.events[0][2]["idempotency_key"] == "k1"


def test_the_same_key_with_another_amount_or_more_than_is_left_is_a_conflict(
    returns: ReturnDependencies, wallets: WalletRepository
) -> None:
    assert ask(returns, "6.00")[0] == 201
    with pytest.raises(ConflictError):
        ask(returns, "5.00")  # k1 was 6.00
    with pytest.raises(ConflictError) as exceeded:
        ask(returns, "4.01", key="k2")
    assert exceeded.value.details["returnable_minor"] == 400
    assert ask(returns, "4.00", key="k2")[0] == 201
    with pytest.raises(ConflictError):
        ask(returns, "0.01", key="k3")
    assert balance(wallets) == 10_000


def test_a_full_refund_after_a_partial_return_credits_back_only_the_remainder(
    returns: ReturnDependencies, wallets: WalletRepository, orders: OrdersRepository, clock: Clock
) -> None:
    ask(returns, "3.50")
    refunded = copy.deepcopy(ORDER)
    refunded["refunds"] = [{"unique_request_id": "r1", "status": "SUCCESS", "amount": Decimal("40")}]
    refunded["txn_list"][0]["amount_refunded"] = Decimal("40")
    deps, _, _ = deps_for(refunded, wallets, orders, clock)

    back = credit_back_wallet_share(orders.get("ord-9"), Order.model_validate(refunded), deps)

    assert (back.status, back.amount_minor) == ("REVERSED", 650)
    assert balance(wallets) == 10_000
    with pytest.raises(ConflictError):
        ask(returns, "0.01", key="after")


def test_an_explicit_return_after_the_full_credit_back_has_nothing_left(
    returns: ReturnDependencies, wallets: WalletRepository, orders: OrdersRepository, clock: Clock
) -> None:
    assert (
        wallets.reverse_debit(
            customer_id="cust-9",
            order_id="ord-9",
            txn_id="ord-9-2",
            amount_minor=1000,
            currency="INR",
            now=clock(),
        ).status.value
        == "REVERSED"
    )
    with pytest.raises(ConflictError):
        ask(returns, "1.00")
    ask_all = returns.wallets.reverse_debit(
        customer_id="cust-9",
        order_id="ord-9",
        txn_id="ord-9-2",
        amount_minor=1000,
        currency="INR",
        now=clock(),
    )
    assert ask_all.status.value == "ALREADY_DONE"


def test_returns_racing_the_credit_back_never_exceed_the_debit(
    dynamodb: Any, orders: OrdersRepository, clock: Clock
) -> None:
    racing = RacingClient(dynamodb)
    wallets = WalletRepository(racing, "ledger", sleep=lambda _: None)
    fund(wallets, clock)
    deps, _, _ = deps_for(ORDER, wallets, orders, clock)
    settle_order(DETAIL, deps)
    returns = ReturnDependencies(orders=orders, wallets=wallets, publisher=FakePublisher(), clock=clock)  # type: ignore[arg-type]
    # The credit-back commits between the return's read and its write: the return must see it and refuse.
    racing.before_transact.append(
        lambda: (
            wallets.reverse_debit(
                customer_id="cust-9",
                order_id="ord-9",
                txn_id="ord-9-2",
                amount_minor=1000,
                currency="INR",
                now=clock(),
            )
            and None
        )
    )
    with pytest.raises(ConflictError):
        ask(returns, "10.00")
    assert wallets.get_wallet("cust-9").balance_minor == 10_000  # type: ignore[union-attr]


def test_orders_without_a_settled_wallet_share_and_bad_bodies_are_refused(
    returns: ReturnDependencies, orders: OrdersRepository, clock: Clock
) -> None:
    with pytest.raises(NotFoundError):
        return_wallet_share("nope", {"amount": "1.00", "idempotency_key": "k"}, returns)
    orders.record("ord-r", OrderStatus.REFUNDED, now=clock(), has_events=False)
    with pytest.raises(ConflictError):
        return_wallet_share("ord-r", {"amount": "1.00", "idempotency_key": "k"}, returns)
    with pytest.raises(BadRequestError):
        return_wallet_share("ord-9", {"amount": "1.00"}, returns)
    with pytest.raises(UnprocessableError):
        ask(returns, "0")
    with pytest.raises(UnprocessableError):
        ask(returns, "1.005")


def test_the_ledger_refuses_returns_of_another_orders_debit_or_of_nothing(
    returns: ReturnDependencies, wallets: WalletRepository, clock: Clock
) -> None:
    def give_back(amount: int, **overrides: Any) -> Any:
        args = {
            "customer_id": "cust-9",
            "order_id": "ord-9",
            "wallet_txn_id": "ord-9-2",
            "amount_minor": amount,
            "currency": "INR",
            "idempotency_key": "k",
            "reason": None,
            "now": clock(),
        }
        return ledger_return(wallets, **{**args, **overrides})

    with pytest.raises(ValueError, match="positive"):
        give_back(0)
    with pytest.raises(ConflictError):
        give_back(100, order_id="ord-other")
    with pytest.raises(ConflictError):
        give_back(100, customer_id="someone-else")
    with pytest.raises(ConflictError):
        give_back(100, wallet_txn_id="never-debited")
    assert give_back(100).returned_minor == 100
    assert balance(wallets) == 9_100


@pytest.mark.parametrize(
    "body",
    [
        None,
        [],
        "4.00",
        {"amount": True, "idempotency_key": "k"},
        {"amount": "4.00", "idempotency_key": "k", "extra": 1},
        {"amount": "4.00", "idempotency_key": "bad key!"},
        {"amount": "4.00", "idempotency_key": "k", "reason": "x" * 65},
        {"amount": "-1", "idempotency_key": "k"},
        {"amount": "99999999999", "idempotency_key": "k"},
        {"amount": {"v": 1}, "idempotency_key": "k"},
    ],
)
def test_every_malformed_body_is_a_client_error(returns: ReturnDependencies, body: Any) -> None:
    with pytest.raises((BadRequestError, UnprocessableError)):
        return_wallet_share("ord-9", body, returns)
    with pytest.raises(BadRequestError):
        return_wallet_share("../ord 9", {"amount": "1", "idempotency_key": "k"}, returns)


def test_a_credit_back_recorded_before_returns_were_counted_still_blocks_a_return(
    returns: ReturnDependencies, wallets: WalletRepository, dynamodb: Any, clock: Clock
) -> None:
    # The reversal marker of an older credit-back, whose debit marker has no returned_minor.
    dynamodb.put_item(
        TableName="ledger",
        Item={"pk": {"S": "REVERSAL#ord-9#ord-9-2"}, "sk": {"S": "REVERSAL"}, "seq": {"N": "3"}},
    )
    with pytest.raises(ConflictError):
        ask(returns, "1.00")
