"""Manual classification (人工认定) with maker-checker approval, the upgrade rule out of
non-performing, and ECL, through the end of day; worked by hand.

The loan: 1000.00 at 12 % over 3 months, equal instalments of 340.02, booked 2026-01-31; instalment
1 (interest 10.00, principal 330.02) falls due 02-28. Penalty 330.02 × 18 % / 365 = 0.16 a day.
"""

import datetime as dt
from decimal import Decimal as D

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from postloan.eod import runner, services
from postloan.eod.models import BucketTransition, ClassificationOverride, LoanDelinquency
from postloan.platform.models import AuditEntry
from postloan.servicing import services as servicing


def _book(demo, user_of, no: str, term: int, principal: str, disbursed_on: dt.date):  # type: ignore[no-untyped-def]
    """Loan L`no` at 12% on its own product, in the collection manager's subtree."""
    product = servicing.save_product(
        actor=user_of("admin"),
        institution=demo,
        code=f"p{no}",
        name=f"p{no}",
        config={"term": term, "annual_rate": "0.12"},
    )
    customer = servicing.create_customer(
        actor=user_of("agent"), institution=demo, customer_no=f"C{no}", name="甲"
    )
    loan = servicing.book_loan(
        actor=user_of("agent"),
        customer=customer,
        product=product,
        loan_no=f"L{no}",
        principal=D(principal),
        disbursed_on=disbursed_on,
    )
    loan.org_unit = user_of("collector").org_unit
    loan.save()
    return loan


@pytest.fixture
def loan(demo, user_of):  # type: ignore[no-untyped-def]
    return _book(demo, user_of, "1", 3, "1000.00", dt.date(2026, 1, 31))


def _on(demo, day):  # type: ignore[no-untyped-def]
    demo.business_date = day
    demo.save()


def test_override_needs_another_users_approval_then_applies(demo, user_of, loan):
    _on(demo, dt.date(2026, 3, 5))
    analyst, manager = user_of("analyst"), user_of("manager")
    with pytest.raises(ValidationError) as refused:
        services.request_override(actor=analyst, loan=loan, classification="normal", reason="")
    assert set(refused.value.message_dict) == {"classification", "reason"}
    with pytest.raises(PermissionDenied):
        services.request_override(actor=user_of("collector"), loan=loan, classification="loss", reason="x")
    own = services.request_override(actor=manager, loan=loan, classification="loss", reason="本人申请")
    with pytest.raises(ValidationError):  # never one's own request
        services.decide_override(actor=manager, override=own, approve=True)
    own.refresh_from_db()
    assert own.status == "pending"
    first = services.request_override(actor=analyst, loan=loan, classification="loss", reason="误报")
    with pytest.raises(PermissionDenied):
        services.decide_override(actor=analyst, override=first, approve=True)
    runner.run(demo)  # 03-05, both still pending: the rules' class
    assert LoanDelinquency.objects.get(loan=loan).classification == "special_mention"
    with pytest.raises(ValidationError) as no_note:
        services.decide_override(actor=manager, override=first, approve=False)
    assert set(no_note.value.message_dict) == {"note"}
    services.decide_override(actor=manager, override=first, approve=False, note="duplicate")
    second = services.request_override(actor=analyst, loan=loan, classification="doubtful", reason="涉嫌欺诈")
    services.decide_override(actor=manager, override=second, approve=True)
    runner.run(demo)  # 03-06
    state = LoanDelinquency.objects.get(loan=loan)
    # DPD 6 (关注 by the floor) made 可疑 by hand: stage 3, provision 1000 × 60 % = 600.00;
    # EAD = 1000.00 + interest 10.00 + penalty 03-05, 03-06 (2 × 0.16) = 1010.32, ECL = × 1 × 0.60
    assert (state.dpd, state.classification, state.overridden, state.stage) == (6, "doubtful", True, 3)
    assert (state.provision, state.exposure, state.ecl) == (D("600.00"), D("1010.32"), D("606.19"))
    assert list(
        BucketTransition.objects.filter(loan=loan).values_list("business_date", "from_class", "to_class")
    ) == [
        (dt.date(2026, 3, 5), "normal", "special_mention"),
        (dt.date(2026, 3, 6), "special_mention", "doubtful"),
    ]
    # ending it: the rules take over again, but 可疑 is non-performing and is held until the upgrade rule
    services.end_override(actor=manager, override=second, note="resolved")
    second.refresh_from_db()
    assert second.until == dt.date(2026, 3, 6)
    runner.run(demo)  # 03-07
    state = LoanDelinquency.objects.get(loan=loan)
    assert (state.classification, state.overridden) == ("doubtful", False)
    actions = set(
        AuditEntry.objects.filter(object_type="classificationoverride").values_list("action", flat=True)
    )
    assert actions >= {"request_override", "approve_override", "reject_override", "end_override"}


def test_npl_is_held_after_cure_and_upgraded_after_six_months(demo, user_of):
    product = servicing.save_product(
        actor=user_of("admin"),
        institution=demo,
        code="y",
        name="y",
        config={"term": 12, "annual_rate": "0.12"},
    )
    customer = servicing.create_customer(
        actor=user_of("agent"), institution=demo, customer_no="C9", name="乙"
    )
    loan = servicing.book_loan(
        actor=user_of("agent"),
        customer=customer,
        product=product,
        loan_no="L9",
        principal=D("12000.00"),
        disbursed_on=dt.date(2025, 10, 31),
    )
    _on(demo, dt.date(2026, 3, 5))
    runner.run(demo)  # earliest unpaid due 2025-11-30: 95 DPD
    assert LoanDelinquency.objects.get(loan=loan).classification == "substandard"

    def pay_due(through: dt.date) -> None:
        from postloan.servicing.models import Instalment

        for row in Instalment.objects.filter(loan=loan, due_date__lte=through).order_by("period"):
            owed = sum(
                getattr(row, f"{c}_due") - getattr(row, f"{c}_paid") - getattr(row, f"{c}_waived")
                for c in ("fee", "penalty", "interest", "principal")
            )
            if owed:
                servicing.post_repayment(
                    actor=user_of("agent"),
                    loan=loan,
                    amount=owed,
                    value_date=demo.business_date,
                    channel="online",
                )

    pay_due(dt.date(2026, 3, 6))
    runner.run(demo)  # 03-06: arrears cleared, DPD 0, but 次级 is held
    state = LoanDelinquency.objects.get(loan=loan)
    assert (state.dpd, state.bucket, state.classification, state.stage) == (0, "M0", "substandard", 3)
    for month_end in ("2026-03-31", "2026-04-30", "2026-05-31", "2026-06-30", "2026-07-31", "2026-08-31"):
        _on(demo, dt.date.fromisoformat(month_end))
        pay_due(demo.business_date)  # each instalment on its due date
    _on(demo, dt.date(2026, 9, 5))
    runner.run(demo)  # 6 months after the 03-06 cure end on 09-06
    assert LoanDelinquency.objects.get(loan=loan).classification == "substandard"
    runner.run(demo)  # 09-06: arrears cleared, 6 instalments paid since, 6 months passed
    state = LoanDelinquency.objects.get(loan=loan)
    assert (state.classification, state.stage) == ("normal", 1)
    assert BucketTransition.objects.filter(loan=loan).order_by("-business_date").values_list(
        "business_date", "from_class", "to_class"
    )[0] == (dt.date(2026, 9, 6), "substandard", "normal")


def test_override_screens(client_as, demo, loan):
    _on(demo, dt.date(2026, 3, 5))
    analyst = client_as("analyst")
    page = analyst.get(f"/servicing/loans/{loan.pk}/").content.decode()
    assert 'data-testid="override-form"' in page
    response = analyst.post(
        f"/eod/loans/{loan.pk}/overrides/",
        {"classification": "loss", "reason": "破产清算", "until": "2026-03-01"},
    )
    assert response.status_code == 302 and not ClassificationOverride.objects.exists()  # until before today
    analyst.post(f"/eod/loans/{loan.pk}/overrides/", {"classification": "loss", "reason": "破产清算"})
    override = ClassificationOverride.objects.get()
    manager = client_as("manager")
    queue = manager.get("/eod/overrides/").content.decode()
    assert "破产清算" in queue and f'data-override="{override.pk}"' in queue
    manager.post(f"/eod/overrides/{override.pk}/decide/", {"action": "approve"})
    override.refresh_from_db()
    assert override.status == "approved" and override.decided_on == dt.date(2026, 3, 5)
    assert (
        client_as("collector").post(f"/eod/overrides/{override.pk}/decide/", {"action": "end"}).status_code
        == 403
    )


def test_approver_outside_the_loans_scope_is_refused(demo, user_of, loan):
    loan.org_unit = user_of("agent").org_unit  # customer service, outside the collection subtree
    loan.save()
    override = services.request_override(
        actor=user_of("analyst"), loan=loan, classification="loss", reason="x"
    )
    with pytest.raises(PermissionDenied):
        services.decide_override(actor=user_of("manager"), override=override, approve=True)


def test_ecl_table_is_edited_on_the_settings_screen(client_as, demo):
    from postloan.platform import runtime_config

    admin = client_as("admin")
    page = admin.get("/admin/settings/").content.decode()
    assert 'data-testid="setting-eod.ecl_table"' in page and "3/*/1.00/0.60" not in page
    table = "1/*/0.02/0.45\n2/*/0.20/0.45\n2/M2/0.30/0.45\n3/*/1.00/0.60"
    assert admin.post("/admin/settings/", {"key": "eod.ecl_table", "value": table}).status_code == 302
    assert runtime_config.for_institution(demo)["eod.ecl_table"] == table.split("\n")
    assert "2/M2/0.30/0.45" in admin.get("/admin/settings/").content.decode()  # one entry a line
    bad = admin.post("/admin/settings/", {"key": "eod.ecl_table", "value": "1/*/0.02/0.45\n2/M2/x/0.45"})
    assert bad.status_code == 400
    body = bad.content.decode()
    assert "PD 和 LGD 须为数字" in body and "2/M2/x/0.45" in body  # the message, and what was typed
    assert runtime_config.for_institution(demo)["eod.ecl_table"] == table.split("\n")  # kept


def test_overrides_through_the_api(client, demo, user_of, loan):
    import json

    from postloan.platform import services as platform
    from postloan.platform.models import Role

    _on(demo, dt.date(2026, 3, 5))
    tokens = {}
    for username in ("analyst", "manager"):
        role = Role.objects.get(code=user_of(username).roles.first().code)
        role.permissions = [*role.permissions, "platform.use_api"]
        role.save()
        tokens[username] = platform.create_api_token(
            actor=user_of(username), name="t", scopes=["read", "write"]
        )[1]

    def call(who, method, path, body=None):  # type: ignore[no-untyped-def]
        kwargs = {"HTTP_AUTHORIZATION": f"Bearer {tokens[who]}"}
        if body is not None:
            kwargs.update(data=json.dumps(body), content_type="application/json")
        return getattr(client, method)(f"/api/v1/eod{path}", **kwargs)

    bad = call("analyst", "post", f"/loans/{loan.pk}/overrides", {"classification": "normal", "reason": "x"})
    assert bad.status_code == 400 and "关注" in str(bad.json())
    made = call(
        "analyst",
        "post",
        f"/loans/{loan.pk}/overrides",
        {"classification": "substandard", "reason": "法院立案", "until": "2026-06-30"},
    )
    assert made.status_code == 201
    body = made.json()
    assert (body["status"], body["requested_by"], body["until"]) == ("pending", "analyst", "2026-06-30")
    assert call("analyst", "post", f"/overrides/{body['id']}/decision", {"approve": True}).status_code == 403
    queue = call("manager", "get", "/overrides").json()
    assert [o["loan_no"] for o in queue] == ["L1"]
    decided = call("manager", "post", f"/overrides/{body['id']}/decision", {"approve": True})
    assert decided.status_code == 200
    assert (decided.json()["status"], decided.json()["decided_on"]) == ("approved", "2026-03-05")
    runner.run(demo)
    assert LoanDelinquency.objects.get(loan=loan).classification == "substandard"
    ended = call("manager", "post", f"/overrides/{body['id']}/end", {"note": "已和解"})
    assert ended.status_code == 200 and ended.json()["until"] == "2026-03-05"
    assert call("manager", "post", "/overrides/999999/end", {"note": "x"}).status_code == 404


def test_an_ended_override_on_a_loan_never_late_upgrades_after_six_months(demo, user_of):
    """次级 by a manual classification makes the loan non-performing; once the override ends, the
    upgrade rule counts from the day the class changed (there was no cure: the loan was never late)."""
    loan = _book(demo, user_of, "Z", 12, "12000.00", dt.date(2026, 2, 10))  # due on the 10th from 03-10
    _on(demo, dt.date(2026, 3, 5))
    override = services.request_override(
        actor=user_of("analyst"), loan=loan, classification="substandard", reason="担保人涉诉"
    )
    services.decide_override(actor=user_of("manager"), override=override, approve=True)
    runner.run(demo)  # 03-05
    assert LoanDelinquency.objects.get(loan=loan).classification == "substandard"
    demo.refresh_from_db()
    services.end_override(actor=user_of("manager"), override=override, note="诉讼撤销")

    def run_on(day: dt.date) -> str:
        from postloan.servicing.models import Instalment

        _on(demo, day)
        for row in Instalment.objects.filter(loan=loan, due_date__lte=day, principal_paid=0):
            servicing.post_repayment(
                actor=user_of("agent"),
                loan=loan,
                amount=row.principal_due + row.interest_due,
                value_date=row.due_date if row.due_date < day else day,
                channel="online",
            )
        runner.run(demo)
        return LoanDelinquency.objects.get(loan=loan).classification

    assert run_on(dt.date(2026, 3, 6)) == "substandard"  # the override ended; the NPL hold begins
    assert run_on(dt.date(2026, 9, 4)) == "substandard"  # not yet six months since 03-05
    assert run_on(dt.date(2026, 9, 5)) == "normal"  # six months, and six instalments paid (03-10…08-10)
