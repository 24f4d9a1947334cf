"""A small, deterministic demo book: three products, customers with contacts, and loans whose
repayment behaviour ranges from always on time to never paying — posted through the services, so
every figure on screen comes from the real ledger.

(The portfolio generator for tens of thousands of loans is a separate, bulk path.)
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from django.db import transaction

from postloan.platform.domain.identity import with_check_character
from postloan.platform.models import Institution, OrgUnit, Role, User
from postloan.servicing import services
from postloan.servicing.domain.dates import add_months
from postloan.servicing.ledger_store import current_ledger
from postloan.servicing.models import ApprovalLimit, Customer, Product

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢"
)
GIVEN = [
    "伟",
    "芳",
    "娜",
    "秀英",
    "敏",
    "静",
    "丽",
    "强",
    "磊",
    "军",
    "洋",
    "勇",
    "艳",
    "杰",
    "娟",
    "涛",
    "明",
    "超",
    "秀兰",
    "霞",
    "平",
    "刚",
    "桂英",
    "建华",
    "文",
    "华",
    "红",
    "志强",
    "海燕",
    "晓东",
    "春梅",
    "国庆",
]
REGIONS = [
    ("110105", "北京"),
    ("310115", "上海"),
    ("440305", "深圳"),
    ("330106", "杭州"),
    ("510107", "成都"),
    ("420106", "武汉"),
    ("610113", "西安"),
    ("320102", "南京"),
]
EMPLOYERS = [
    "华为技术有限公司",
    "中国建筑第八工程局",
    "美团点评",
    "个体经营",
    "顺丰速运",
    "国家电网",
    "比亚迪股份",
    "自由职业",
    "京东物流",
    "中国平安保险",
]
PRODUCTS = (
    (
        "cash12",
        "随借随还现金贷（12期）",
        {
            "product_type": "cash_loan",
            "method": "equal_installment",
            "term": 12,
            "annual_rate": "0.1800",
            "grace_days": 3,
        },
    ),
    (
        "consumer24",
        "消费分期（24期，等额本金）",
        {
            "product_type": "consumer_instalment",
            "method": "equal_principal",
            "term": 24,
            "annual_rate": "0.1200",
            "grace_days": 0,
        },
    ),
    (
        "sme6",
        "小微经营贷（先息后本，6期）",
        {
            "product_type": "sme",
            "method": "interest_only",
            "term": 6,
            "annual_rate": "0.0900",
            "grace_days": 5,
            "overpayment": "credit",
        },
    ),
)
# behaviour, weight: share of demo borrowers
BEHAVIOURS = (
    ("on_time", 45),
    ("late_then_cure", 20),
    ("serial_late", 15),
    ("stopped_paying", 12),
    ("never_paid", 5),
    ("settled_early", 3),
)


@transaction.atomic
def seed(institution: Institution, *, loans: int = 60, seed: int = 20261204) -> int:
    if Product.objects.filter(institution=institution).exists():
        return 0
    rng = random.Random(seed)  # noqa: S311  (deterministic demo data, not security)
    admin = User.objects.get(username="admin")
    agent = User.objects.get(username="agent")
    products = [
        services.save_product(actor=admin, institution=institution, code=c, name=n, config=cfg)
        for c, n, cfg in PRODUCTS
    ]
    manager_role = Role.objects.get(code="collection_manager")
    ApprovalLimit.objects.get_or_create(
        role=manager_role, kind="waiver", defaults={"max_amount": Decimal("5000")}
    )
    ApprovalLimit.objects.get_or_create(
        role=manager_role, kind="write_off", defaults={"max_amount": Decimal("50000")}
    )
    teams = list(
        OrgUnit.objects.filter(institution=institution, code__in=["COLL-A", "COLL-B"]).order_by("code")
    )
    collector = User.objects.get(username="collector")
    today = institution.business_date
    for n in range(loans):
        area, city = rng.choice(REGIONS)
        born = dt.date(1965, 1, 1) + dt.timedelta(days=rng.randrange(0, 365 * 38))
        gender = rng.choice("MF")
        seq = rng.randrange(10, 99) * 10 + (1 if gender == "M" else 2)
        id_number = with_check_character(f"{area}{born:%Y%m%d}{seq:03d}")
        income = Decimal(rng.randrange(40, 400) * 100)
        team = teams[n % len(teams)]
        customer = services.create_customer(
            actor=agent,
            institution=institution,
            customer_no=f"C{100001 + n}",
            name=rng.choice(SURNAMES) + rng.choice(GIVEN),
            id_number=id_number,
            birth_date=born,
            gender=gender,
            region=city,
            segment=rng.choice(["优质客群", "大众客群", "次级客群"]),
            employer=rng.choice(EMPLOYERS),
            occupation=rng.choice(["职员", "工程师", "销售", "个体户", "教师", "司机"]),
            monthly_income=income,
            monthly_obligations=(income * Decimal(rng.randrange(5, 60)) / 100).quantize(Decimal("1")),
            org_unit=team,
            owner=collector if team.code == "COLL-A" and n % 4 == 0 else None,
            contacts=[
                {
                    "kind": "mobile",
                    "value": f"1{rng.choice('3578')}{rng.randrange(10**8, 10**9)}",
                    "label": "本人手机",
                },
                {
                    "kind": "mobile",
                    "value": f"1{rng.choice('3578')}{rng.randrange(10**8, 10**9)}",
                    "relation": rng.choice(["spouse", "parent", "sibling", "friend"]),
                    "contact_name": rng.choice(SURNAMES) + rng.choice(GIVEN),
                    "is_emergency": True,
                },
            ],
        )
        product = products[n % len(products)]
        disbursed = today - dt.timedelta(days=rng.randrange(40, 360))
        principal = Decimal(rng.randrange(20, 300) * 500)
        loan = services.book_loan(
            actor=agent,
            customer=customer,
            product=product,
            loan_no=f"L{2026000001 + n}",
            principal=principal,
            disbursed_on=disbursed,
        )
        behaviour = rng.choices([b for b, _ in BEHAVIOURS], weights=[w for _, w in BEHAVIOURS])[0]
        _repay(loan, behaviour, rng, agent, today)
    return loans


def _repay(loan, behaviour: str, rng: random.Random, agent: User, today: dt.date) -> None:  # type: ignore[no-untyped-def]
    schedule = current_ledger(loan).instalments
    stop_after = rng.randrange(1, 4) if behaviour == "stopped_paying" else None
    for k, inst in enumerate(schedule):
        if behaviour == "never_paid" or (stop_after is not None and k >= stop_after):
            return
        delay = {
            "on_time": 0,
            "late_then_cure": 12 if k in (1, 2) else 0,
            "serial_late": rng.randrange(5, 25),
            "settled_early": 0,
        }.get(behaviour, 0)
        day = inst.due_date + dt.timedelta(days=delay - rng.randrange(0, 3) if delay == 0 else delay)
        if day > today or inst.due_date > today:
            return
        amount = inst.total_outstanding()
        if amount <= 0:
            continue
        services.post_repayment(
            actor=agent,
            loan=loan,
            amount=amount,
            value_date=max(day, loan.disbursed_on),
            channel=rng.choice(["withholding", "bank_transfer", "online"]),
            external_id=f"DEMO-{loan.loan_no}-{k + 1}",
        )
        if behaviour == "settled_early" and k == 1 and add_months(loan.disbursed_on, 3) <= today:
            services.settle_loan(
                actor=agent, loan=loan, channel="online", external_id=f"DEMO-{loan.loan_no}-S"
            )
            return


__all__ = ["Customer", "seed"]
