"""Allocation waterfall, overpayment, settlement, reversal by replay, restructuring — by hand and by
property (money is conserved to the fen; reversal restores the exact prior state)."""

import datetime as dt
from decimal import Decimal as D

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from postloan.servicing.domain import restructure
from postloan.servicing.domain.ledger import (
    AllocationMode,
    Ledger,
    OverpaymentMode,
    Payment,
    PostingError,
    Terms,
    from_schedule,
    post,
    replay,
)
from postloan.servicing.domain.schedule import Method, generate
from postloan.servicing.domain.settlement import collapse_for_settlement, quote

START = dt.date(2026, 1, 31)


def _terms(**kw) -> Terms:  # type: ignore[no-untyped-def]
    return Terms(method=Method.EQUAL_INSTALLMENT, annual_rate=D("0.12"), start=START, **kw)


def _loan(principal="1000", term=3) -> Ledger:  # type: ignore[no-untyped-def]
    # 1000 at 12% over 3: 340.02 (10.00 + 330.02) due 02-28, 340.02 (6.70 + 333.32) due 03-31,
    # 340.03 (3.37 + 336.66) due 04-30 — see test_schedule.
    return from_schedule(
        generate(
            principal=D(principal),
            annual_rate=D("0.12"),
            term=term,
            method=Method.EQUAL_INSTALLMENT,
            start=START,
        )
    )


def _lines(result):  # type: ignore[no-untyped-def]
    return [(a.period, a.component, str(a.amount)) for a in result.allocations]


def test_default_waterfall_costs_interest_principal_oldest_first():
    ledger = _loan()
    ledger.instalments[0].due["penalty"] = D("1.50")  # as if EOD had accrued penalty
    first = post(ledger, Payment("r1", D("100.00"), dt.date(2026, 3, 5)), _terms())
    # penalty 1.50, interest 10.00, principal 100 − 11.50 = 88.50
    assert _lines(first) == [(1, "penalty", "1.50"), (1, "interest", "10.00"), (1, "principal", "88.50")]
    second = post(ledger, Payment("r2", D("300.00"), dt.date(2026, 4, 1)), _terms())
    # instalment 1 principal left 330.02 − 88.50 = 241.52; then instalment 2 (due 03-31): interest 6.70,
    # principal 300 − 241.52 − 6.70 = 51.78
    assert _lines(second) == [(1, "principal", "241.52"), (2, "interest", "6.70"), (2, "principal", "51.78")]
    assert ledger.instalments[0].total_outstanding() == 0


def test_principal_first_order_and_component_first_mode():
    ledger = _loan()
    terms = _terms(order=("principal", "interest", "fee", "penalty"))
    assert _lines(post(ledger, Payment("r", D("335.00"), dt.date(2026, 2, 28)), terms)) == [
        (1, "principal", "330.02"),
        (1, "interest", "4.98"),
    ]
    ledger = _loan()
    terms = _terms(allocation_mode=AllocationMode.COMPONENT_FIRST)
    # both instalments due by 04-01: all interest first (10.00 + 6.70), then principal oldest first
    assert _lines(post(ledger, Payment("r", D("400.00"), dt.date(2026, 4, 1)), terms)) == [
        (1, "interest", "10.00"),
        (2, "interest", "6.70"),
        (1, "principal", "330.02"),
        (2, "principal", "53.28"),
    ]


def test_paying_ahead_pays_the_running_instalment_first():
    ledger = _loan()
    result = post(ledger, Payment("r", D("500.00"), dt.date(2026, 2, 28)), _terms())
    # 340.02 settles instalment 1 (due today); the other 159.98 is an advance on instalment 2, which is
    # running: its interest 6.70 first, then 153.28 of its principal. Nothing is prepaid.
    assert _lines(result)[-2:] == [(2, "interest", "6.70"), (2, "principal", "153.28")]
    assert result.prepaid_principal == 0 and not result.reamortised


def test_overpayment_prepays_and_reamortises():
    ledger = _loan()
    result = post(ledger, Payment("r", D("1000.00"), dt.date(2026, 2, 28)), _terms())
    # 340.02 pays instalment 1, 340.02 pays instalment 2 in advance; 319.96 is left over and prepays
    # principal: instalment 3's 336.66 drops to 16.70, re-amortised over its 1 period at 1%:
    # A = 16.70 × 1.01 = 16.867 → 16.87, interest 16.70 × 0.01 = 0.167 → 0.17, principal 16.70.
    assert result.prepaid_principal == D("319.96") and result.reamortised
    third = ledger.instalments[2]
    assert (third.due["interest"], third.due["principal"]) == (D("0.17"), D("16.70"))
    assert ledger.outstanding_principal() == D("16.70")


def test_overpayment_kept_as_credit():
    ledger = _loan()
    terms = _terms(overpayment=OverpaymentMode.CREDIT)
    result = post(ledger, Payment("r", D("1000.00"), dt.date(2026, 2, 28)), terms)
    # 340.02 + 340.02 (instalments 1 and 2); 319.96 held as credit, instalment 3 untouched
    assert result.credited == D("319.96") and ledger.credit == D("319.96")
    assert ledger.instalments[2].due["principal"] == D("336.66")


def test_settlement_quote_and_payoff():
    ledger = _loan()
    post(ledger, Payment("r1", D("340.02"), dt.date(2026, 2, 28)), _terms())
    q = quote(ledger, _terms(), dt.date(2026, 3, 15), day_count_base=365)
    # principal not due 669.98; period 2 runs from 02-28, 15 days to 03-15:
    # 669.98 × 0.12 × 15 / 365 = 3.3040 → 3.30; total 673.28
    assert (q.due_now, q.principal_not_due, q.accrued_interest, q.total) == (
        D("0.00"),
        D("669.98"),
        D("3.30"),
        D("673.28"),
    )
    collapse_for_settlement(ledger, q)
    post(ledger, Payment("r2", q.total, q.as_of), _terms())
    assert ledger.total_outstanding() == 0 and ledger.credit == 0


def test_replay_without_a_payment_equals_never_having_it():
    base = _loan()
    payments = [
        Payment("a", D("340.02"), dt.date(2026, 2, 28)),
        Payment("b", D("50.00"), dt.date(2026, 3, 2)),
        Payment("c", D("400.00"), dt.date(2026, 4, 2)),
    ]
    without_b, _ = replay(base, [payments[0], payments[2]], _terms())
    with_all, _ = replay(base, payments, _terms())
    assert with_all.snapshot() != without_b.snapshot()
    again, _ = replay(base, [p for p in payments if p.key != "b"], _terms())
    assert again.snapshot() == without_b.snapshot()
    assert base.total_outstanding() == D("1020.07")  # replay never mutates the base


def test_backdated_payment_is_allocated_in_value_date_order():
    base = _loan()
    late, early = (
        Payment("late", D("340.02"), dt.date(2026, 3, 31)),
        Payment("early", D("340.02"), dt.date(2026, 2, 28)),
    )
    _, results = replay(base, [late, early], _terms())
    assert [r.payment.key for r in results] == ["early", "late"]
    assert {a.period for a in results[0].allocations} == {1}


def test_payment_plan_spreads_arrears():
    ledger = _loan()
    # nothing paid; on 2026-04-01 instalments 1 and 2 are overdue: 680.04 in all
    arrears = restructure.payment_plan(ledger, _terms(), dt.date(2026, 4, 1), periods=2)
    assert arrears["principal"] == D("663.34") and arrears["interest"] == D("16.70")
    # instalment 3 and a new period 4 each take half: principal 331.67, interest 8.35
    third, fourth = ledger.instalments[2], ledger.instalments[3]
    assert fourth.due_date == dt.date(2026, 5, 31)
    assert third.due["principal"] == D("336.66") + D("331.67") and fourth.due["principal"] == D("331.67")
    assert third.due["interest"] == D("3.37") + D("8.35") and fourth.due["interest"] == D("8.35")
    assert ledger.total_outstanding() == D("1020.07")  # nothing created or lost


def test_rate_reduction_and_extension():
    ledger = _loan()
    post(ledger, Payment("r", D("340.02"), dt.date(2026, 2, 28)), _terms())
    new_terms = restructure.reduce_rate(ledger, _terms(), dt.date(2026, 3, 1), D("0.06"))
    # 669.98 at 0.5% over 2: A = 669.98 × 0.005 × 1.010025 / 0.010025 = 337.5046 → 337.50;
    # 2: i = 3.3499 → 3.35, p 334.15, B 335.83; 3: i = 1.6792 → 1.68, p 335.83
    assert (ledger.instalments[1].due["interest"], ledger.instalments[1].due["principal"]) == (
        D("3.35"),
        D("334.15"),
    )
    assert (ledger.instalments[2].due["interest"], ledger.instalments[2].due["principal"]) == (
        D("1.68"),
        D("335.83"),
    )
    assert new_terms.annual_rate == D("0.06")
    restructure.extend_term(ledger, new_terms, dt.date(2026, 3, 1), 2)
    assert len(ledger.instalments) == 5 and ledger.outstanding_principal() == D("669.98")
    with pytest.raises(PostingError):
        restructure.reduce_rate(ledger, new_terms, dt.date(2026, 3, 1), D("0.07"))


def test_capitalisation_moves_arrears_into_principal():
    ledger = _loan()
    restructure.capitalise(ledger, _terms(), dt.date(2026, 3, 1))
    # arrears 340.02 (10.00 interest + 330.02 principal) join principal 669.98 → 1010.00 over 2 periods
    assert ledger.outstanding_principal() == D("1010.00")
    assert ledger.instalments[0].total_outstanding() == 0


def test_bad_payment_refused():
    with pytest.raises(PostingError):
        post(_loan(), Payment("r", D("0"), dt.date(2026, 2, 28)), _terms())


# --- properties -----------------------------------------------------------------------------------

payment_st = st.tuples(st.decimals(min_value=D("0.01"), max_value=D("3000"), places=2), st.integers(0, 200))


@settings(max_examples=200, deadline=None)
@given(
    principal=st.decimals(min_value=D("100"), max_value=D("20000"), places=2),
    term=st.integers(1, 12),
    method=st.sampled_from(list(Method)),
    payments=st.lists(payment_st, min_size=1, max_size=6),
    overpayment=st.sampled_from(list(OverpaymentMode)),
    mode=st.sampled_from(list(AllocationMode)),
)
def test_allocation_conserves_money(principal, term, method, payments, overpayment, mode):
    terms = Terms(
        method=method, annual_rate=D("0.18"), start=START, overpayment=overpayment, allocation_mode=mode
    )
    base = from_schedule(
        generate(principal=principal, annual_rate=D("0.18"), term=term, method=method, start=START)
    )
    ledger, results = replay(
        base,
        [Payment(str(i), amt, START + dt.timedelta(days=d)) for i, (amt, d) in enumerate(payments)],
        terms,
    )
    for result in results:
        allocated = sum((a.amount for a in result.allocations), D("0"))
        assert allocated + result.credited == result.payment.amount
        assert all(a.amount > 0 for a in result.allocations)
    assert all(i.outstanding(c) >= 0 for i in ledger.instalments for c in i.due)
    paid = sum((sum(i.paid.values(), D("0")) for i in ledger.instalments), D("0"))
    prepaid = sum((r.prepaid_principal for r in results), D("0"))
    # every fen is on an instalment, was prepaid principal (which lowered later dues), or is credit
    assert paid + prepaid + ledger.credit == sum(amt for amt, _ in payments)


def test_settlement_after_paying_ahead():
    ledger = _loan()
    post(ledger, Payment("r1", D("350.00"), dt.date(2026, 3, 1)), _terms())  # 340.02 + 9.98 ahead on #2
    # #2 already has interest 6.70 and principal 3.28 paid; principal not due 669.98 − 3.28 = 666.70;
    # the period's interest was paid ahead, so nothing more accrues (capped by what is still owed: 0)
    q = quote(ledger, _terms(), dt.date(2026, 3, 10), day_count_base=365)
    assert (q.principal_not_due, q.accrued_interest, q.total) == (D("666.70"), D("0.00"), D("666.70"))
    collapse_for_settlement(ledger, q)
    post(ledger, Payment("r2", q.total, q.as_of), _terms())
    assert ledger.total_outstanding() == 0


def test_rate_reduction_after_paying_ahead():
    ledger = _loan()
    post(ledger, Payment("r1", D("350.00"), dt.date(2026, 3, 1)), _terms())
    restructure.reduce_rate(ledger, _terms(), dt.date(2026, 3, 2), D("0.06"))
    second = ledger.instalments[1]
    # paid amounts stay; 666.70 is re-spread over periods 2 and 3 at 0.5 % a month
    assert (second.paid["principal"], second.paid["interest"]) == (D("3.28"), D("6.70"))
    assert ledger.outstanding_principal() == D("666.70")
    assert second.due["interest"] == D("6.70")  # interest already paid for the period is not charged twice
