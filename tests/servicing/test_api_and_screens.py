"""Servicing through the API and the screens: booking, idempotent posting, reversal, the waiver queue."""

import datetime as dt
import json
import subprocess
import sys
from decimal import Decimal as D

import pytest
from django.core.exceptions import ValidationError

from postloan.platform import services as platform
from postloan.servicing.models import Repayment


@pytest.fixture
def api(client, user_of):  # type: ignore[no-untyped-def]
    from postloan.platform.models import Role

    role = Role.objects.get(code="service_agent")
    role.permissions = [*role.permissions, "platform.use_api"]
    role.save()
    token = platform.create_api_token(actor=user_of("agent"), name="core", scopes=["read", "write"])[1]

    def call(method: str, path: str, body=None):  # type: ignore[no-untyped-def]
        kwargs = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
        if body is not None:
            kwargs.update(data=json.dumps(body), content_type="application/json")
        return getattr(client, method)(f"/api/v1/servicing{path}", **kwargs)

    return call


def test_api_book_post_duplicate_reverse(api, customer, product, demo):
    demo.business_date = dt.date(2026, 3, 31)
    demo.save()
    booked = api(
        "post",
        "/loans",
        {
            "customer_id": customer.pk,
            "product_code": "cash12",
            "loan_no": "API-1",
            "principal": "1000.00",
            "disbursed_on": "2026-01-31",
        },
    )
    assert booked.status_code == 201, booked.content
    loan_id = booked.json()["id"]
    schedule = api("get", f"/loans/{loan_id}/schedule").json()
    assert [(r["due_date"], r["principal_due"], r["interest_due"]) for r in schedule] == [
        ("2026-02-28", "330.02", "10.00"),
        ("2026-03-31", "333.32", "6.70"),
        ("2026-04-30", "336.66", "3.37"),
    ]
    body = {"amount": "350.00", "value_date": "2026-03-01", "channel": "withholding", "external_id": "WH-77"}
    first = api("post", f"/loans/{loan_id}/repayments", body)
    assert first.status_code == 201 and first.json()["duplicate"] is False
    assert first.json()["allocations"] == [
        {"period": 1, "component": "interest", "amount": "10.00"},
        {"period": 1, "component": "principal", "amount": "330.02"},
        # 9.98 ahead of instalment 2 (running until 03-31): its interest 6.70, then 3.28 of principal
        {"period": 2, "component": "interest", "amount": "6.70"},
        {"period": 2, "component": "principal", "amount": "3.28"},
    ]
    again = api("post", f"/loans/{loan_id}/repayments", body)
    assert (
        again.status_code == 200
        and again.json()["duplicate"] is True
        and again.json()["id"] == first.json()["id"]
    )
    assert Repayment.objects.count() == 1
    reversed_ = api("post", f"/repayments/{first.json()['id']}/reverse", {"reason": "returned by bank"})
    assert reversed_.json()["status"] == "reversed"
    loan = api("get", f"/loans/{loan_id}").json()
    assert loan["total_outstanding"] == "1020.07" and loan["dpd"] == 31  # 03-31 − 02-28


@pytest.mark.parametrize(
    "body",
    [
        {"amount": "-1", "value_date": "2026-03-01", "channel": "online"},
        {"amount": "1", "value_date": "not-a-date", "channel": "online"},
        {"amount": "1", "value_date": "2026-03-01", "channel": "pigeon"},
        {"amount": "1", "value_date": "2027-01-01", "channel": "online"},
    ],
)
def test_api_bad_repayment_is_4xx_json(api, loan, body):
    response = api("post", f"/loans/{loan.pk}/repayments", body)
    assert 400 <= response.status_code < 500 and response.json()["errors"]


def test_api_customer_create_masks_pii(api):
    response = api(
        "post",
        "/customers",
        {
            "customer_no": "C9",
            "name": "吴敏",
            "id_number": "11010519900307283X",
            "contacts": [{"kind": "mobile", "value": "13700001111"}],
        },
    )
    assert response.status_code == 201
    assert response.json()["id_number_masked"] == "110***********283X"
    assert api("get", "/customers?q=13700001111").json()["count"] == 1


def test_customer_360_and_loan_screens(client_as, loan, user_of):
    client = client_as("collector")
    page = client.get(f"/servicing/customers/{loan.customer_id}/").content.decode()
    assert "周杰" in page and "139****5678" in page and "13912345678" not in page and "L0001" in page
    loan_page = client.get(f"/servicing/loans/{loan.pk}/").content.decode()
    assert "340.02" in loan_page and "2026-04-30" in loan_page
    assert client_as("agency").get(f"/servicing/loans/{loan.pk}/").status_code == 403


def test_repayment_screen_posts_and_reports_duplicate(client_as, loan):
    client = client_as("agent")
    form = {"amount": "340.02", "value_date": "2026-02-28", "channel": "counter", "external_id": "CNT-1"}
    response = client.post(f"/servicing/loans/{loan.pk}/repay/", form)
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "340.02" in page
    duplicate = client.post(f"/servicing/loans/{loan.pk}/repay/", form, follow=True).content.decode()
    assert "CNT-1" in duplicate and Repayment.objects.count() == 1
    bad = client.post(f"/servicing/loans/{loan.pk}/repay/", {**form, "amount": "abc", "external_id": ""})
    assert bad.status_code == 400 and "请输入数字" in bad.content.decode()


def test_waiver_queue_screen(client_as, loan, user_of, limits):
    agent = client_as("agent")
    agent.post(f"/servicing/loans/{loan.pk}/request/waiver/", {"interest": "10.00", "reason": "疫情困难"})
    manager = client_as("manager")
    queue = manager.get("/servicing/adjustments/").content.decode()
    assert "疫情困难" in queue
    from postloan.servicing.models import Adjustment

    adjustment = Adjustment.objects.get()
    manager.post(f"/servicing/adjustments/{adjustment.pk}/decide/", {"decision": "approve"})
    assert Adjustment.objects.get().status == "approved"


def test_schedule_cli_json():
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "postloan.cli",
            "schedule",
            "--principal",
            "120000",
            "--annual-rate",
            "0.0435",
            "--term",
            "24",
            "--method",
            "equal_installment",
            "--start",
            "2026-01-31",
            "--json",
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    rows = json.loads(result.stdout)
    assert rows[0] == {
        "period": 1,
        "due_date": "2026-02-28",
        "principal": "4794.70",
        "interest": "435.00",
        "payment": "5229.70",
        "remaining": "115205.30",
    }
    assert len(rows) == 24 and rows[-1]["remaining"] == "0.00"
    assert sum(D(r["principal"]) for r in rows) == D("120000.00")


def test_custom_fields_defined_on_screen_and_validated(client_as, demo, user_of):
    admin = client_as("admin")
    response = admin.post(
        "/servicing/custom-fields/",
        {
            "entity": "customer",
            "key": "wechat_bound",
            "label": "绑定微信",
            "type": "choice",
            "choices": "是,否",
            "required": "on",
        },
    )
    assert response.status_code == 302
    agent = client_as("agent")
    form = {"customer_no": "C77", "name": "钱多多", "id_type": "resident_id", "gender": "F"}
    missing = agent.post("/servicing/customers/new/", form)
    assert (
        missing.status_code == 200 and 'data-testid="error-custom__wechat_bound"' in missing.content.decode()
    )
    created = agent.post("/servicing/customers/new/", {**form, "custom__wechat_bound": "是"})
    assert created.status_code == 302
    page = agent.get(created["Location"]).content.decode()
    assert "绑定微信" in page and "是" in page
    with pytest.raises(ValidationError):
        from postloan.servicing import services

        services.create_customer(
            actor=user_of("agent"),
            institution=demo,
            customer_no="C78",
            name="x",
            custom={"wechat_bound": "maybe"},
        )


def test_recovery_screen_after_write_off(client_as, loan, user_of, limits):
    from postloan.servicing import services

    adjustment = services.request_adjustment(actor=user_of("agent"), loan=loan, kind="write_off", reason="x")
    services.decide_adjustment(actor=user_of("manager"), adjustment=adjustment, approve=True)
    agent = client_as("agent")
    page = agent.get(f"/servicing/loans/{loan.pk}/").content.decode()
    assert 'data-testid="recovery-form"' in page
    agent.post(
        f"/servicing/loans/{loan.pk}/recovery/",
        {"amount": "120.00", "value_date": "2026-05-15", "channel": "counter"},
    )
    assert [str(r.amount) for r in loan.recoveries.all()] == ["120.00"]


def test_api_loan_list_pages_through_the_whole_book(api, customer, product, user_of):
    from postloan.servicing import services

    for n in range(7):
        services.book_loan(
            actor=user_of("agent"),
            customer=customer,
            product=product,
            loan_no=f"PG-{n}",
            principal="1000",
            disbursed_on=dt.date(2026, 1, 31),
        )
    first = api("get", "/loans?limit=3&offset=0").json()
    last = api("get", "/loans?limit=3&offset=6").json()
    assert first["count"] == 7 and len(first["items"]) == 3 and len(last["items"]) == 1
    assert last["items"][0]["loan_no"] == "PG-0"  # newest first
    assert api("get", "/loans?limit=0").status_code == 422


def test_required_loan_custom_field_on_the_booking_form(client_as, customer, product, demo):
    admin = client_as("admin")
    admin.post(
        "/servicing/custom-fields/",
        {"entity": "loan", "key": "channel_code", "label": "进件渠道", "type": "text", "required": "on"},
    )
    agent = client_as("agent")
    form = {"product": product.pk, "loan_no": "CF-1", "principal": "1000.00", "disbursed_on": "2026-01-31"}
    agent.post(f"/servicing/customers/{customer.pk}/loans/", form)
    assert not customer.loans.filter(loan_no="CF-1").exists()
    response = agent.post(
        f"/servicing/customers/{customer.pk}/loans/", {**form, "custom__channel_code": "APP"}
    )
    loan = customer.loans.get(loan_no="CF-1")
    assert loan.custom == {"channel_code": "APP"}
    assert "进件渠道: APP" in agent.get(response["Location"]).content.decode()
