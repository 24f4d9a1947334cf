"""A deterministic synthetic institution for demos, tests and benchmarks.

Each borrower has a latent risk z ~ N(0, 1). It drives both what the lender can observe (income,
debt-to-income, age, region, segment, prior history) and how the borrower repays (on time, late then
cured, serially late, hardship part-payments, stopping, never paying, settling early), so a model
trained on the observable attributes finds real signal. Everything flows from one seed: the same
seed gives the same rows, byte for byte. Rows are produced as data-standard frames and written
through the bulk import path.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

import numpy as np
import polars as pl

from postloan.platform.domain.identity import with_check_character
from postloan.servicing.domain.money import q
from postloan.servicing.domain.schedule import generate

SURNAMES = list(
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
    "子涵",
    "浩然",
    "欣怡",
    "宇轩",
    "梓萱",
    "俊杰",
]
# (area code, city, risk offset)
REGIONS = [
    ("110105", "北京", -0.2),
    ("310115", "上海", -0.25),
    ("440305", "深圳", -0.1),
    ("330106", "杭州", -0.15),
    ("510107", "成都", 0.05),
    ("420106", "武汉", 0.05),
    ("610113", "西安", 0.1),
    ("320102", "南京", -0.05),
    ("450103", "南宁", 0.25),
    ("230103", "哈尔滨", 0.3),
    ("410105", "郑州", 0.15),
    ("520102", "贵阳", 0.3),
]
EMPLOYERS = [
    "华为技术有限公司",
    "中国建筑第八工程局",
    "美团",
    "个体经营",
    "顺丰速运",
    "国家电网",
    "比亚迪股份",
    "自由职业",
    "京东物流",
    "中国平安保险",
    "某餐饮连锁",
    "某制造企业",
]
OCCUPATIONS = ["职员", "工程师", "销售", "个体户", "教师", "司机", "厨师", "护士", "技术工人"]
# product code, share, principal multiple of monthly income
PRODUCT_MIX = (("cash12", 0.5, 1.5), ("consumer24", 0.35, 3.0), ("sme6", 0.15, 4.0))
BEHAVIOURS = ("on_time", "late_then_cure", "serial_late", "hardship", "stops", "never_pays", "early_settler")


@dataclass(frozen=True)
class Portfolio:
    customers: pl.DataFrame
    loans: pl.DataFrame
    repayments: pl.DataFrame


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-x))


def build(
    *,
    loans: int,
    months: int,
    seed: int,
    as_of: dt.date,
    product_terms: dict[str, tuple[str, int, str]],
    org_units: list[str],
    offset: int = 0,
) -> Portfolio:
    """`product_terms`: product code → (method, term, annual rate) as configured. `offset` numbers a
    later chunk of a large portfolio (chunk k is seeded by (seed, k): output stays deterministic)."""
    rng = np.random.default_rng([seed, offset])
    n = loans
    z = rng.standard_normal(n)
    region_idx = rng.integers(0, len(REGIONS), n)
    region_risk = np.array([REGIONS[i][2] for i in region_idx])
    age = np.clip(np.round(38 - 4 * z + rng.normal(0, 8, n)), 20, 62).astype(int)
    income = np.round(np.exp(9.1 - 0.28 * z + rng.normal(0, 0.35, n)) / 100) * 100
    dti = np.clip(_sigmoid(-1.1 + 0.55 * z + rng.normal(0, 0.4, n)), 0.02, 0.95)
    obligations = np.round(income * dti)
    assets = np.round(income * np.exp(1.5 - 0.5 * z + rng.normal(0, 0.8, n)))
    liabilities = np.round(obligations * rng.uniform(8, 30, n))
    segment = np.where(
        z + rng.normal(0, 0.6, n) < -0.6,
        "优质客群",
        np.where(z + rng.normal(0, 0.6, n) > 0.8, "次级客群", "大众客群"),
    )
    codes = [p[0] for p in PRODUCT_MIX]
    product_idx = rng.choice(len(PRODUCT_MIX), n, p=[p[1] for p in PRODUCT_MIX])
    multiple = np.array([PRODUCT_MIX[i][2] for i in product_idx])
    principal = np.clip(np.round(income * multiple * rng.uniform(0.6, 1.4, n) / 100) * 100, 2000, 300000)
    span = months * 30
    disbursed = [as_of - dt.timedelta(days=int(d)) for d in rng.integers(35, max(span, 36), n)]
    hazard = _sigmoid(-2.2 + 1.25 * z + region_risk)
    u = rng.uniform(0, 1, n)
    behaviour = np.select(
        [
            u < hazard * 0.35,
            u < hazard * 0.75,
            u < hazard * 0.95,
            u < hazard + 0.10 * _sigmoid(z),
            u < hazard + 0.10 * _sigmoid(z) + 0.12,
            u < hazard + 0.10 * _sigmoid(z) + 0.12 + 0.05 * _sigmoid(-z),
        ],
        ["never_pays", "stops", "hardship", "serial_late", "late_then_cure", "early_settler"],
        default="on_time",
    )
    gender = rng.choice(["M", "F"], n)
    surname = rng.integers(0, len(SURNAMES), n)
    given = rng.integers(0, len(GIVEN), n)
    employer = rng.integers(0, len(EMPLOYERS), n)
    occupation = rng.integers(0, len(OCCUPATIONS), n)
    mobile_prefix = rng.choice(["135", "138", "139", "150", "158", "176", "186", "188"], n)
    mobile_rest = rng.integers(10**7, 10**8, n)
    seq = rng.integers(10, 99, n)
    stop_after = rng.integers(1, 6, n)
    lateness = rng.integers(3, 28, n)
    customers, loan_rows, payments = [], [], []
    for i in range(n):
        born = dt.date(as_of.year - int(age[i]), 1 + i % 12, 1 + i % 28)
        digit = 1 if gender[i] == "M" else 2
        id_number = with_check_character(f"{REGIONS[region_idx[i]][0]}{born:%Y%m%d}{seq[i]:02d}{digit}")
        number = offset + i + 1
        customer_no, loan_no = f"C{seed % 1000:03d}{number:08d}", f"L{seed % 1000:03d}{number:08d}"
        customers.append(
            (
                customer_no,
                SURNAMES[surname[i]] + GIVEN[given[i]],
                "resident_id",
                id_number,
                born.isoformat(),
                str(gender[i]),
                f"{mobile_prefix[i]}{mobile_rest[i]:08d}",
                REGIONS[region_idx[i]][1],
                str(segment[i]),
                EMPLOYERS[employer[i]],
                OCCUPATIONS[occupation[i]],
                f"{income[i]:.2f}",
                f"{assets[i]:.2f}",
                f"{liabilities[i]:.2f}",
                f"{obligations[i]:.2f}",
                org_units[i % len(org_units)],
            )
        )
        code = codes[product_idx[i]]
        method, term, rate = product_terms[code]
        amount = Decimal(f"{principal[i]:.2f}")
        loan_rows.append((loan_no, customer_no, code, f"{amount}", rate, str(term), disbursed[i].isoformat()))
        schedule = generate(
            principal=amount, annual_rate=Decimal(rate), term=term, method=method, start=disbursed[i]
        )
        payments.extend(
            _payments(loan_no, schedule, str(behaviour[i]), int(stop_after[i]), int(lateness[i]), as_of, rng)
        )
    return Portfolio(
        pl.DataFrame(
            customers,
            schema=[
                "customer_no",
                "name",
                "id_type",
                "id_number",
                "birth_date",
                "gender",
                "mobile",
                "region",
                "segment",
                "employer",
                "occupation",
                "monthly_income",
                "assets",
                "liabilities",
                "monthly_obligations",
                "org_unit_code",
            ],
            orient="row",
        ),
        pl.DataFrame(
            loan_rows,
            schema=[
                "loan_no",
                "customer_no",
                "product_code",
                "principal",
                "annual_rate",
                "term",
                "disbursed_on",
            ],
            orient="row",
        ),
        pl.DataFrame(
            payments, schema=["external_id", "loan_no", "amount", "value_date", "channel"], orient="row"
        ),
    )


def _payments(
    loan_no: str,
    schedule: list,
    behaviour: str,
    stop_after: int,
    lateness: int,
    as_of: dt.date,
    rng: np.random.Generator,
) -> list[tuple[str, str, str, str, str]]:
    rows = []
    channel = "withholding" if behaviour in ("on_time", "early_settler") else "bank_transfer"
    for k, inst in enumerate(schedule):
        if behaviour == "never_pays" or (behaviour == "stops" and k >= stop_after):
            break
        delay = 0
        amount = inst.payment
        if (behaviour == "late_then_cure" and k in (1, 2)) or behaviour == "serial_late":
            delay = lateness
        elif behaviour == "hardship" and k >= stop_after:
            amount = q(inst.payment / 2)
            delay = 5
        value_date = inst.due_date + dt.timedelta(days=delay)
        if value_date > as_of:
            break
        rows.append((f"G-{loan_no}-{k + 1:03d}", loan_no, f"{amount}", value_date.isoformat(), channel))
        if behaviour == "early_settler" and k == stop_after:
            rest = inst.remaining
            settle_day = value_date + dt.timedelta(days=10)
            if rest > 0 and settle_day <= as_of:
                rows.append((f"G-{loan_no}-S", loan_no, f"{rest}", settle_day.isoformat(), "bank_transfer"))
            break
    del rng
    return rows
