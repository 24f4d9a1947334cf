"""Instalment schedules for the four repayment methods (PRODUCT.md "Schedules").

r = annual rate / 12. 等额本息 A = P·r(1+r)^n / ((1+r)^n − 1), rounded to the fen; interest_k =
B_{k−1}·r rounded; principal_k = A − interest_k; the last instalment takes the remaining principal
(absorbing rounding). 等额本金 principal_k = P/n rounded, interest_k = B_{k−1}·r. 先息后本 pays interest
only, principal at the end. 到期一次还本付息 pays everything at maturity.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from postloan.servicing.domain.dates import add_months
from postloan.servicing.domain.money import ZERO, q


class Method(StrEnum):
    EQUAL_INSTALLMENT = "equal_installment"  # 等额本息
    EQUAL_PRINCIPAL = "equal_principal"  # 等额本金
    INTEREST_ONLY = "interest_only"  # 先息后本
    BULLET = "bullet"  # 到期一次还本付息


@dataclass(frozen=True)
class ScheduledInstalment:
    period: int
    due_date: dt.date
    principal: Decimal
    interest: Decimal
    payment: Decimal
    remaining: Decimal  # principal outstanding after this instalment


class ScheduleError(ValueError):
    pass


def level_payment(principal: Decimal, monthly_rate: Decimal, n: int) -> Decimal:
    if n <= 0:
        raise ScheduleError("term must be at least one period")
    if monthly_rate == 0:
        return q(principal / n)
    growth = (1 + monthly_rate) ** n
    return q(principal * monthly_rate * growth / (growth - 1))


def generate(
    *,
    principal: Decimal,
    annual_rate: Decimal,
    term: int,
    method: Method | str,
    start: dt.date,
    first_period: int = 1,
) -> list[ScheduledInstalment]:
    """The schedule for `principal` disbursed on `start`: period k falls due on start + k months.

    A re-amortised tail passes the loan's original `start` and the first period it replaces, so
    periods keep their numbers and their original due dates.
    """
    method = Method(method)
    if principal <= 0:
        raise ScheduleError("principal must be positive")
    if annual_rate < 0:
        raise ScheduleError("rate must not be negative")
    if term <= 0:
        raise ScheduleError("term must be at least one period")
    r = Decimal(annual_rate) / 12
    rows: list[ScheduledInstalment] = []
    principal = q(principal)
    balance = principal
    payment = level_payment(balance, r, term) if method is Method.EQUAL_INSTALLMENT else ZERO
    level_principal = q(balance / term)
    for k in range(1, term + 1):
        last = k == term
        interest = q(balance * r)
        if method is Method.EQUAL_INSTALLMENT:
            part = balance if last else min(balance, payment - interest)
        elif method is Method.EQUAL_PRINCIPAL:
            part = balance if last else min(balance, level_principal)
        elif method is Method.INTEREST_ONLY:
            part = balance if last else ZERO
        else:  # bullet: simple interest for the whole term, everything at maturity
            interest = q(Decimal(principal) * r * term) if last else ZERO
            part = balance if last else ZERO
        part = max(part, ZERO)
        balance -= part
        rows.append(
            ScheduledInstalment(
                period=first_period + k - 1,
                due_date=add_months(start, first_period + k - 1),
                principal=part,
                interest=interest,
                payment=part + interest,
                remaining=balance,
            )
        )
    return rows
