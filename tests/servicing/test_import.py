"""Data intake: 10 broken rows among 1,000 good ones, idempotent re-import, updates, encodings and
formats, all-or-nothing batches, export round trip and a deterministic generator."""

import datetime as dt
from pathlib import Path

import polars as pl
import pytest
from django.core.exceptions import ValidationError

from postloan.platform import services as platform
from postloan.platform.domain.identity import with_check_character
from postloan.platform.models import OrgUnit
from postloan.servicing import bulk, exporting, generator, importing
from postloan.servicing.models import Customer, ImportBatch, Instalment, Loan, Repayment
from postloan.servicing.portfolio import ensure_products, generate_into

HEADER = (
    "customer_no,name,id_type,id_number,birth_date,gender,mobile,region,segment,employer,occupation,"
    "monthly_income,assets,liabilities,monthly_obligations,org_unit_code"
)


def _good(i: int) -> str:
    id_number = with_check_character(f"11010519{80 + i % 20:02d}0{1 + i % 9}1{i % 10}{i % 1000:03d}"[:17])
    return (
        f"C{i:06d},客户{i},resident_id,{id_number},19{80 + i % 20}-0{1 + i % 9}-1{i % 10},F,"
        f"139{i:08d},北京,大众客群,某公司,职员,12000.00,,,1500.00,COLL-A"
    )


BROKEN = {
    # record number in the file -> (row, field, reason code)
    101: ("C900101,,resident_id,,1990-01-01,F,13900000101,北京,,,,,,,,COLL-A", "name", "required"),
    202: (
        "C900202,坏身份证,resident_id,110105199003072831,1990-03-07,F,,北京,,,,,,,,COLL-A",
        "id_number",
        "bad_id_number",
    ),
    303: ("C900303,坏手机,resident_id,,1990-01-01,F,1390000,北京,,,,,,,,COLL-A", "mobile", "bad_mobile"),
    404: ("C900404,坏日期,resident_id,,1990-02-30,F,,北京,,,,,,,,COLL-A", "birth_date", "bad_date"),
    505: ("C900505,坏性别,resident_id,,1990-01-01,X,,北京,,,,,,,,COLL-A", "gender", "not_allowed"),
    606: ("C000001,重复编号,resident_id,,1990-01-01,F,,北京,,,,,,,,COLL-A", "customer_no", "duplicate_key"),
    707: ("C900707," + "长" * 101 + ",resident_id,,1990-01-01,F,,北京,,,,,,,,COLL-A", "name", "too_long"),
    808: (
        'C900808,坏收入,resident_id,,1990-01-01,F,,北京,,,,"12,000",,,,COLL-A',
        "monthly_income",
        "bad_money",
    ),
    909: ("C900909,坏机构,resident_id,,1990-01-01,F,,北京,,,,,,,,NOPE", "org_unit_code", "unknown_org_units"),
    1010: ("C901010,坏类型,passport2,,1990-01-01,F,,北京,,,,,,,,COLL-A", "id_type", "not_allowed"),
}


@pytest.fixture
def customers_file(tmp_path: Path) -> Path:
    lines, good = [HEADER], 1
    for record in range(1, 1011):
        if record in BROKEN:
            lines.append(BROKEN[record][0])
        else:
            lines.append(_good(good))
            good += 1
    path = tmp_path / "customers.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


TERMS = {
    "cash12": ("equal_installment", 12, "0.18"),
    "consumer24": ("equal_principal", 24, "0.12"),
    "sme6": ("interest_only", 6, "0.09"),
}


def _files_for(loans: int, seed: int, tmp_path: Path):  # type: ignore[no-untyped-def]
    """A fresh demo institution with its products, and generator CSVs for `loans` loans."""
    from postloan.platform.demo import create_demo_institution

    demo, _ = create_demo_institution(password_suffix="-Demo-2026")
    ensure_products(demo)
    book = generator.build(
        loans=loans, months=24, seed=seed, as_of=demo.business_date, product_terms=TERMS, org_units=["COLL-A"]
    )
    book.customers.write_csv(tmp_path / "customers.csv")
    book.loans.write_csv(tmp_path / "loans.csv")
    return demo


def _import(demo, entity, path, **kw):  # type: ignore[no-untyped-def]
    return importing.import_file(actor=None, institution=demo, entity=entity, path=path, **kw)


def test_ten_broken_rows_among_a_thousand(demo, customers_file):
    batch = _import(demo, "customers", customers_file, language="en")
    assert (batch.rows_in, batch.inserted, batch.rejected) == (1010, 1000, 10)
    reasons = {r["row"]: (r["field"], r["reason"]) for r in batch.rejects}
    assert set(reasons) == set(BROKEN)
    assert reasons[202] == ("id_number", "Not a valid 18-digit ID number (check digit mismatch).")
    assert reasons[606] == ("customer_no", "The same key appears earlier in this file.")
    assert reasons[909] == ("org_unit_code", "No organisation unit with this code.")
    assert Customer.objects.filter(institution=demo).count() == 1000
    reject_file = Path(batch.reject_file).read_text(encoding="utf-8-sig").splitlines()
    assert reject_file[0] == "row,field,reason,value" and len(reject_file) == 11
    report = batch.report
    assert report["rejected_rows"] == 10 and report["duplicates"] == 1
    assert report["completeness"]["name"] == pytest.approx(1009 / 1010, abs=1e-4)

    again = _import(demo, "customers", customers_file)
    assert (again.inserted, again.updated, again.unchanged, again.rejected) == (0, 0, 1000, 10)
    assert again.status == ImportBatch.Status.UNCHANGED
    assert again.rejects[0]["field"] == "name"


def test_updated_row_updates_and_pii_is_encrypted_and_searchable(demo, tmp_path, user_of):
    path = tmp_path / "c.csv"
    path.write_text(HEADER + "\n" + _good(1) + "\n", encoding="utf-8")
    _import(demo, "customers", path)
    path.write_text(HEADER + "\n" + _good(1).replace(",北京,", ",上海,") + "\n", encoding="utf-8")
    batch = _import(demo, "customers", path)
    assert (batch.inserted, batch.updated) == (0, 1)
    customer = Customer.objects.get(customer_no="C000001")
    assert customer.region == "上海"
    from postloan.servicing import selectors

    assert list(selectors.search_customers(user_of("admin"), "13900000001")) == [customer]


def test_gbk_csv_jsonl_and_parquet(demo, tmp_path):
    text = HEADER + "\n" + _good(7) + "\n"
    gbk = tmp_path / "gbk.csv"
    gbk.write_bytes(text.encode("gbk"))
    assert _import(demo, "customers", gbk).inserted == 1
    assert Customer.objects.get(customer_no="C000007").name == "客户7"
    rows = pl.DataFrame([dict(zip(HEADER.split(","), _good(8).split(","), strict=True))])
    rows.write_ndjson(tmp_path / "c.jsonl")
    rows.with_columns(pl.col("customer_no").str.replace("C000008", "C000009")).write_parquet(
        tmp_path / "c.parquet"
    )
    assert _import(demo, "customers", tmp_path / "c.jsonl").inserted == 1
    assert _import(demo, "customers", tmp_path / "c.parquet").inserted == 1
    bad = tmp_path / "c.xlsx"
    bad.write_bytes(b"PK")
    with pytest.raises(ValidationError):
        _import(demo, "customers", bad)
    missing = tmp_path / "m.csv"
    missing.write_text("name\n张三\n", encoding="utf-8")
    with pytest.raises(ValidationError, match="customer_no"):
        _import(demo, "customers", missing)


@pytest.mark.django_db(transaction=True)
def test_crash_midway_leaves_nothing_then_import_completes(tmp_path, monkeypatch):
    demo = _files_for(30, 3, tmp_path)
    _import(demo, "customers", tmp_path / "customers.csv")
    real = bulk.insert_instalments
    calls = {"n": 0}

    def dying(rows, chunk=20000):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        real(rows[: len(rows) // 2])
        raise KeyboardInterrupt("killed mid-batch")

    monkeypatch.setattr(bulk, "insert_instalments", dying)
    with pytest.raises(KeyboardInterrupt):
        _import(demo, "loans", tmp_path / "loans.csv")
    assert calls["n"] == 1
    assert (Loan.objects.count(), Instalment.objects.count()) == (0, 0)
    assert not ImportBatch.objects.filter(entity="loans").exists()
    monkeypatch.setattr(bulk, "insert_instalments", real)
    assert _import(demo, "loans", tmp_path / "loans.csv").inserted == 30


def _second_institution():  # type: ignore[no-untyped-def]
    other = platform.create_institution(code="B", name="乙机构", business_date=dt.date(2026, 12, 4))
    hq = OrgUnit.objects.get(institution=other, code="HQ")
    for code in ("AGENCY-1", "COLL-A", "COLL-B"):
        OrgUnit.objects.create(
            institution=other, parent=hq, code=code, name=code, kind="team", path=f"{hq.path}x/"
        )
    return other


@pytest.mark.parametrize("suffix", [".csv", ".jsonl", ".parquet"])
def test_export_import_export_round_trip(demo, tmp_path, suffix):
    generate_into(demo, loans=40, months=12, seed=11, as_of=dt.date(2026, 12, 4))
    first = {e: tmp_path / f"a-{e}{suffix}" for e in ("customers", "loans", "repayments")}
    for entity, path in first.items():
        assert exporting.export(demo, entity, path) > 0
    other = _second_institution()
    ensure_products(other)
    for entity, path in first.items():
        batch = importing.import_file(actor=None, institution=other, entity=entity, path=path)
        assert batch.rejected == 0, batch.rejects[:3]
    for entity, path in first.items():
        second = tmp_path / f"b-{entity}{suffix}"
        exporting.export(other, entity, second)
        assert second.read_bytes() == path.read_bytes(), entity


def test_generator_is_deterministic_and_realistic(demo):
    terms = {
        "cash12": ("equal_installment", 12, "0.18"),
        "consumer24": ("equal_principal", 24, "0.12"),
        "sme6": ("interest_only", 6, "0.09"),
    }
    a = generator.build(
        loans=300, months=24, seed=5, as_of=dt.date(2026, 12, 4), product_terms=terms, org_units=["COLL-A"]
    )
    b = generator.build(
        loans=300, months=24, seed=5, as_of=dt.date(2026, 12, 4), product_terms=terms, org_units=["COLL-A"]
    )
    assert a.customers.equals(b.customers) and a.loans.equals(b.loans) and a.repayments.equals(b.repayments)
    c = generator.build(
        loans=300, months=24, seed=6, as_of=dt.date(2026, 12, 4), product_terms=terms, org_units=["COLL-A"]
    )
    assert not a.customers.equals(c.customers)
    generate_into(demo, loans=300, months=24, seed=5, as_of=dt.date(2026, 12, 4))
    assert Loan.objects.filter(institution=demo).count() == 300
    assert Repayment.objects.filter(institution=demo).count() == a.repayments.height
    statuses = set(Loan.objects.filter(institution=demo).values_list("status", flat=True))
    assert statuses == {"active", "settled"}


def test_import_screen_and_api_upload(client_as, demo, customers_file, user_of):
    from django.core.files.uploadedfile import SimpleUploadedFile

    admin = client_as("admin")
    with customers_file.open("rb") as handle:
        response = admin.post("/servicing/imports/", {"entity": "customers", "file": handle})
    assert response.status_code == 302
    page = admin.get(response["Location"]).content.decode()
    assert 'data-testid="rejected">10<' in page and "用户名" not in page
    assert "校验位" in page or "check digit" in page
    rejects = admin.get(response["Location"] + "rejects.csv")
    assert rejects.status_code == 200 and b"row,field,reason,value" in b"".join(rejects.streaming_content)
    assert client_as("collector").get("/servicing/imports/").status_code == 403
    token = platform.create_api_token(actor=user_of("admin"), name="etl", scopes=["read", "write"])[1]
    upload = SimpleUploadedFile("customers.csv", customers_file.read_bytes(), content_type="text/csv")
    api = client_as("admin").post(
        "/api/v1/servicing/imports",
        {"entity": "customers", "file": upload},
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert api.status_code == 201, api.content
    body = api.json()
    assert (body["inserted"], body["unchanged"], body["rejected"], body["status"]) == (
        0,
        1000,
        10,
        "unchanged",
    )
    bad = client_as("admin").post(
        "/api/v1/servicing/imports",
        {"entity": "planets", "file": SimpleUploadedFile("x.csv", b"a\n1\n")},
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert bad.status_code == 400 and "entity" in bad.json()["errors"]


@pytest.mark.django_db(transaction=True)
def test_killing_the_import_process_leaves_whole_batches_only(tmp_path):
    """A real `postloan import` process is killed with SIGKILL while it writes; the database then
    holds either none of the batch or all of it — never part — and importing again completes."""
    import os
    import signal
    import subprocess
    import sys
    import time

    from django.db import connection

    demo = _files_for(6000, 9, tmp_path)
    _import(demo, "customers", tmp_path / "customers.csv")
    env = {**os.environ, "DATABASE_URL": _url_of(connection), "POSTLOAN_DATA_DIR": str(tmp_path)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "postloan.cli", "import", "loans", str(tmp_path / "loans.csv")],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    time.sleep(2.5)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    count = Loan.objects.filter(institution=demo).count()
    assert count in (0, 6000)
    assert Instalment.objects.count() == 0 or count == 6000
    batch = _import(demo, "loans", tmp_path / "loans.csv")
    assert Loan.objects.filter(institution=demo).count() == 6000
    assert batch.inserted + batch.unchanged == 6000


def _url_of(connection) -> str:  # type: ignore[no-untyped-def]
    s = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{s['NAME']}"
    scheme = "postgres" if connection.vendor == "postgresql" else "mysql"
    password = f":{s['PASSWORD']}" if s.get("PASSWORD") else ""
    return f"{scheme}://{s['USER']}{password}@{s['HOST']}:{s['PORT']}/{s['NAME']}"


def test_partial_file_updates_only_its_columns_and_number_spellings_do_not_matter(demo, tmp_path):
    full = tmp_path / "full.csv"
    full.write_text(HEADER + "\n" + _good(3) + "\n", encoding="utf-8")
    _import(demo, "customers", full)
    partial = tmp_path / "partial.csv"
    partial.write_text("customer_no,name,region\nC000003,客户3,成都\n", encoding="utf-8")
    batch = _import(demo, "customers", partial)
    assert batch.updated == 1
    customer = Customer.objects.get(customer_no="C000003")
    assert (customer.region, str(customer.monthly_income), customer.contacts.get().value) == (
        "成都",
        "12000.00",
        "13900000003",
    )
    assert _import(demo, "customers", partial).unchanged == 1
    spelled = tmp_path / "spelled.csv"
    spelled.write_text(HEADER + "\n" + _good(4) + "\n", encoding="utf-8")
    _import(demo, "customers", spelled)
    spelled.write_text(
        HEADER + "\n" + _good(4).replace("12000.00", "12000").replace("1500.00", "1500.0") + "\n",
        encoding="utf-8",
    )
    assert _import(demo, "customers", spelled).unchanged == 1


def test_generated_behaviour_shows_in_observable_attributes():
    """Borrowers who fall behind are over-represented among low incomes and high debt ratios, so a
    risk model trained on the observable columns has real signal to find."""
    terms = {
        "cash12": ("equal_installment", 12, "0.18"),
        "consumer24": ("equal_principal", 24, "0.12"),
        "sme6": ("interest_only", 6, "0.09"),
    }
    book = generator.build(
        loans=4000,
        months=24,
        seed=2024,
        as_of=dt.date(2026, 12, 4),
        product_terms=terms,
        org_units=["COLL-A"],
    )
    paid = book.repayments.group_by("loan_no").agg(pl.len().alias("payments"))
    loans = book.loans.join(paid, on="loan_no", how="left").with_columns(pl.col("payments").fill_null(0))
    # months elapsed since disbursement ≈ instalments that fell due (capped by the term)
    loans = loans.with_columns(
        ((pl.lit(dt.date(2026, 12, 4)) - pl.col("disbursed_on").str.to_date()).dt.total_days() // 31)
        .clip(0, pl.col("term").cast(pl.Int64))
        .alias("due")
    ).with_columns(((pl.col("due") - pl.col("payments")) >= 2).alias("bad"))
    people = book.customers.select(
        "customer_no",
        pl.col("monthly_income").cast(pl.Float64),
        (pl.col("monthly_obligations").cast(pl.Float64) / pl.col("monthly_income").cast(pl.Float64)).alias(
            "dti"
        ),
    )
    data = loans.join(people, on="customer_no")
    low_income = data.filter(pl.col("monthly_income") <= data["monthly_income"].median())["bad"].mean()
    high_income = data.filter(pl.col("monthly_income") > data["monthly_income"].median())["bad"].mean()
    high_dti = data.filter(pl.col("dti") > data["dti"].median())["bad"].mean()
    low_dti = data.filter(pl.col("dti") <= data["dti"].median())["bad"].mean()
    assert 0.05 < data["bad"].mean() < 0.5
    assert low_income > high_income * 1.3
    assert high_dti > low_dti * 1.3
