"""Property tests of the ledger's money rules, on the real ``WalletRepository`` over moto, checked against a
plain in-memory model: the balance is never negative, the ledger always sums to the balance, a wallet
transaction is debited once whatever the interleaving of its duplicates, and credits are idempotent."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from paybridge.dal.wallets import CreditStatus, DebitStatus, ReversalStatus, WalletRepository
from paybridge.errors import ConflictError, WalletConflictError
from paybridge.models.wallet import EntryType
from tests.unit.settlement.conftest import RacingClient

NOW = datetime(2026, 1, 1, tzinfo=UTC)
_customers = itertools.count()
PROPERTY_SETTINGS = settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def fresh_customer() -> str:
    """Hypothesis reuses the test's fixtures across examples: each example gets its own wallet."""
    return f"cust-{next(_customers)}"


@dataclass
class Model:
    """What the ledger should hold, computed without DynamoDB."""

    exists: bool = False
    balance: int = 0
    credits: dict[str, int] = field(default_factory=dict)
    debited: set[str] = field(default_factory=set)
    reversed: set[str] = field(default_factory=set)


def check_invariants(repo: WalletRepository, customer: str, model: Model) -> None:
    wallet = repo.get_wallet(customer)
    if not model.exists:
        assert wallet is None
        return
    assert wallet is not None
    entries = repo.all_entries(customer)
    assert wallet.balance_minor >= 0
    assert wallet.balance_minor == model.balance
    assert sum(e.entry_type.sign * e.amount_minor for e in entries) == wallet.balance_minor
    assert (
        [e.seq for e in entries] == list(range(1, len(entries) + 1)) == list(range(1, wallet.entry_count + 1))
    )
    running = 0
    for entry in entries:  # every entry records the balance it left, and none left it negative
        running += entry.entry_type.sign * entry.amount_minor
        assert entry.balance_after_minor == running >= 0
    debits = [e.reference for e in entries if e.entry_type is EntryType.DEBIT]
    assert len(debits) == len(set(debits)) == len(model.debited)


operations = st.lists(
    st.one_of(
        st.tuples(st.just("credit"), st.integers(0, 3), st.integers(1, 5_000)),
        st.tuples(st.just("debit"), st.integers(0, 4), st.just(0)),
        st.tuples(st.just("reverse"), st.integers(0, 4), st.just(0)),
    ),
    max_size=25,
)


@PROPERTY_SETTINGS
@given(ops=operations, txn_amounts=st.lists(st.integers(1, 6_000), min_size=5, max_size=5))
def test_any_sequence_of_credits_debits_and_reversals_keeps_the_money_rules(
    wallets: WalletRepository, ops: list[tuple[str, int, int]], txn_amounts: list[int]
) -> None:
    customer = fresh_customer()
    model = Model()
    for kind, index, amount in ops:
        if kind == "credit":
            key = f"key-{index}"
            if key in model.credits and model.credits[key] != amount:
                with pytest.raises(ConflictError):
                    wallets.credit(
                        customer_id=customer,
                        amount_minor=amount,
                        currency="INR",
                        idempotency_key=key,
                        now=NOW,
                    )
            else:
                result = wallets.credit(
                    customer_id=customer, amount_minor=amount, currency="INR", idempotency_key=key, now=NOW
                )
                expected = CreditStatus.ALREADY_DONE if key in model.credits else CreditStatus.CREDITED
                assert result.status is expected
                if expected is CreditStatus.CREDITED:
                    model.exists, model.balance = True, model.balance + amount
                    model.credits[key] = amount
        elif kind == "debit":
            txn, amount = f"{customer}-txn-{index}", txn_amounts[index]  # wallet txn ids are global
            debit = wallets.debit(
                customer_id=customer,
                order_id=f"ord-{index}",
                txn_id=txn,
                amount_minor=amount,
                currency="INR",
                now=NOW,
            )
            if txn in model.debited:
                assert debit.status is DebitStatus.ALREADY_DONE
            elif not model.exists:
                assert debit.status is DebitStatus.WALLET_MISSING
            elif model.balance < amount:
                assert debit.status is DebitStatus.INSUFFICIENT_FUNDS
            else:
                assert debit.status is DebitStatus.DEBITED
                model.balance -= amount
                model.debited.add(txn)
        else:
            txn, amount = f"{customer}-txn-{index}", txn_amounts[index]
            reversal = wallets.reverse_debit(
                customer_id=customer,
                order_id=f"ord-{index}",
                txn_id=txn,
                amount_minor=amount,
                currency="INR",
                now=NOW,
            )
            if txn not in model.debited:
                assert reversal.status is ReversalStatus.NOTHING_TO_REVERSE
            elif txn in model.reversed:
                assert reversal.status is ReversalStatus.ALREADY_DONE
            else:
                assert reversal.status is ReversalStatus.REVERSED
                model.balance += amount
                model.reversed.add(txn)
        check_invariants(wallets, customer, model)


@PROPERTY_SETTINGS
@given(
    balance=st.integers(1, 10_000),
    amount=st.integers(1, 10_000),
    schedule=st.lists(st.sampled_from(["alone", "duplicate_races", "credit_races"]), min_size=1, max_size=8),
)
def test_any_interleaving_of_duplicate_deliveries_debits_once(
    dynamodb: Any, balance: int, amount: int, schedule: list[str]
) -> None:
    """Each delivery reads the wallet, then (per ``schedule``) another writer commits before its transaction:
    a duplicate of the same debit, or an unrelated credit. Exactly one debit ever lands (if funds allow)."""
    racing = RacingClient(dynamodb)
    repo = WalletRepository(racing, "ledger", sleep=lambda _: None)
    plain = WalletRepository(dynamodb, "ledger", sleep=lambda _: None)
    customer = fresh_customer()
    plain.credit(customer_id=customer, amount_minor=balance, currency="INR", idempotency_key="seed", now=NOW)
    statuses: list[DebitStatus] = []
    credits = 0

    def debit(repository: WalletRepository) -> None:
        result = repository.debit(
            customer_id=customer,
            order_id="ord",
            txn_id=f"{customer}-txn",
            amount_minor=amount,
            currency="INR",
            now=NOW,
        )
        statuses.append(result.status)

    for step, kind in enumerate(schedule):
        if kind == "duplicate_races":
            racing.before_transact.append(lambda: debit(plain))
        elif kind == "credit_races":
            credits += 1
            racing.before_transact.append(
                lambda step=step: (
                    plain.credit(
                        customer_id=customer,
                        amount_minor=1,
                        currency="INR",
                        idempotency_key=f"race-{step}",
                        now=NOW,
                    ).status
                    and None
                )
            )
        debit(repo)

    debits = [e for e in plain.all_entries(customer) if e.entry_type is EntryType.DEBIT]
    wallet = plain.get_wallet(customer)
    assert wallet is not None
    if amount <= balance:
        assert statuses.count(DebitStatus.DEBITED) == 1
        assert set(statuses) <= {DebitStatus.DEBITED, DebitStatus.ALREADY_DONE}
        assert len(debits) == 1
        assert debits[0].amount_minor == amount
        assert wallet.balance_minor == balance + credits - amount
    else:
        assert DebitStatus.DEBITED not in statuses
        assert debits == []
    assert wallet.balance_minor >= 0
    assert (
        sum(e.entry_type.sign * e.amount_minor for e in plain.all_entries(customer)) == wallet.balance_minor
    )


@PROPERTY_SETTINGS
@given(amount=st.integers(1, 10_000), replays=st.integers(1, 5))
def test_a_credit_replayed_with_its_key_answers_the_same_entry(
    wallets: WalletRepository, amount: int, replays: int
) -> None:
    customer = fresh_customer()
    first = wallets.credit(
        customer_id=customer, amount_minor=amount, currency="INR", idempotency_key="k", now=NOW
    )
    for _ in range(replays):
        again = wallets.credit(
            customer_id=customer, amount_minor=amount, currency="INR", idempotency_key="k", now=NOW
        )
        assert again.status is CreditStatus.ALREADY_DONE
        assert again.entry == first.entry
    wallet = wallets.get_wallet(customer)
    assert wallet is not None
    assert wallet.balance_minor == amount


def test_writers_that_always_win_make_the_debit_give_up_without_moving_money(dynamodb: Any) -> None:
    racing = RacingClient(dynamodb)
    repo = WalletRepository(racing, "ledger", max_attempts=3, sleep=lambda _: None)
    plain = WalletRepository(dynamodb, "ledger")
    plain.credit(customer_id="busy", amount_minor=1_000, currency="INR", idempotency_key="seed", now=NOW)
    for i in range(3):
        racing.before_transact.append(
            lambda i=i: (
                plain.credit(
                    customer_id="busy", amount_minor=1, currency="INR", idempotency_key=f"r{i}", now=NOW
                )
                and None
            )
        )

    with pytest.raises(WalletConflictError) as raised:
        repo.debit(customer_id="busy", order_id="o", txn_id="t", amount_minor=10, currency="INR", now=NOW)

    assert raised.value.retryable is True
    assert racing.transactions == 3
    assert [e.entry_type for e in plain.all_entries("busy")] == [EntryType.CREDIT] * 4
    assert plain.debit_marker("t") is None
