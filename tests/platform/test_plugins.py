"""The plugin API: entry-point discovery, validation of required settings, and every hook."""

import datetime as dt

import pytest
from django.core.exceptions import ImproperlyConfigured

from postloan.platform import runtime_config, services
from postloan.platform.plugins import hookimpl, hookspecs, manager
from tests import dummy_plugin


@pytest.fixture
def with_dummy():  # type: ignore[no-untyped-def]
    dummy_plugin.received_audit.clear()
    dummy_plugin.started.clear()
    manager.use(manager.build(extra=[dummy_plugin]))
    yield dummy_plugin


def test_dummy_implements_every_hookspec():
    specs = {n for n in dir(hookspecs) if n.startswith("postloan_")}
    implemented = {n for n in dir(dummy_plugin) if n.startswith("postloan_")}
    assert specs == implemented


def test_startup_and_metadata(with_dummy):
    assert with_dummy.started == ["development"]
    assert {"name": "dummy", "version": "1.2.3"} in manager.loaded()


def test_plugin_setting_is_typed_and_editable(with_dummy, user_of, demo):
    assert runtime_config.for_institution(demo)["dummy.greeting"] == "你好"
    services.update_setting(actor=user_of("admin"), institution=demo, key="dummy.greeting", raw="早上好")
    assert runtime_config.for_institution(demo)["dummy.greeting"] == "早上好"


def test_plugin_permission_and_menu(with_dummy, client_as, user_of):
    from postloan.platform.models import Role

    services.save_role(
        actor=user_of("admin"),
        role=Role.objects.get(code="collector"),
        code="collector",
        name="催收员",
        description="",
        permissions=["dummy.use"],
    )
    assert 'data-menu="/dummy-plugin/"' not in client_as("lead").get("/").content.decode()
    assert "/dummy-plugin/" in client_as("collector").get("/").content.decode()


def test_plugin_sees_every_audit_entry_masked(with_dummy, user_of, demo, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.update_user(actor=user_of("admin"), user=user_of("agent"), phone="13912345678")
    last = with_dummy.received_audit[-1]
    assert last["action"] == "update" and last["after"]["phone"] == "139****5678"


def test_firstresult_calendar(with_dummy):
    calendar = manager.hook().postloan_business_calendar(institution_code="DEMO")
    assert calendar.is_business_day(dt.date(2026, 12, 4)) is True  # Friday
    assert calendar.is_business_day(dt.date(2026, 12, 5)) is False  # Saturday


def test_entry_point_discovery(tmp_path, monkeypatch, settings):
    dist = tmp_path / "acme_postloan-0.1.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: acme-postloan\nVersion: 0.1\n")
    (dist / "entry_points.txt").write_text("[postloan.plugins]\nacme = tests.dummy_plugin\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    pm = manager.build()
    assert pm.get_plugin("acme") is dummy_plugin
    settings.POSTLOAN_PLUGINS = ["other"]
    assert manager.build().get_plugin("acme") is None


def test_missing_required_setting_refuses_plugin(settings):
    class Needy:
        name = "needy"
        required_settings = ("ACME_API_URL",)

    with pytest.raises(ImproperlyConfigured, match="ACME_API_URL"):
        manager.build(extra=[Needy()])


def test_failing_plugin_cannot_break_a_write(user_of, demo, django_capture_on_commit_callbacks):
    class Broken:
        name = "broken"

        @staticmethod
        @hookimpl
        def postloan_audit_recorded(entry):  # type: ignore[no-untyped-def]
            raise RuntimeError("SIEM down")

    manager.use(manager.build(extra=[Broken()]))
    with django_capture_on_commit_callbacks(execute=True):
        services.update_user(actor=user_of("admin"), user=user_of("agent"), first_name="帆帆")
    assert user_of("agent").first_name == "帆帆"


def test_plugin_adds_an_end_of_day_step(with_dummy, user_of, demo):
    import datetime as dt

    from postloan.eod import runner
    from postloan.servicing import services as servicing

    product = servicing.save_product(
        actor=user_of("admin"),
        institution=demo,
        code="p",
        name="p",
        config={"term": 3, "annual_rate": "0.12"},
    )
    customer = servicing.create_customer(
        actor=user_of("agent"), institution=demo, customer_no="C1", name="甲"
    )
    loan = servicing.book_loan(
        actor=user_of("agent"),
        customer=customer,
        product=product,
        loan_no="L1",
        principal="1000",
        disbursed_on=dt.date(2026, 1, 31),
    )
    services.update_setting(
        actor=user_of("admin"), institution=demo, key="eod.steps", raw=["delinquency", "dummy_count"]
    )
    run = runner.run(demo)[0]
    assert run.steps == ["delinquency", "dummy_count"]
    assert with_dummy.eod_calls == [(demo.pk, "2026-12-04", loan.pk, loan.pk)]
    assert run.counts["rows"]["dummy_count"] == 1


def test_promises_step_lets_collections_decide_kept_and_broken(with_dummy, user_of, demo):
    import datetime as dt
    from decimal import Decimal

    from postloan.eod import runner
    from postloan.servicing import services as servicing

    product = servicing.save_product(
        actor=user_of("admin"),
        institution=demo,
        code="p",
        name="p",
        config={"term": 3, "annual_rate": "0.12"},
    )
    loans = []
    for n in (1, 2):
        customer = servicing.create_customer(
            actor=user_of("agent"), institution=demo, customer_no=f"C{n}", name="甲"
        )
        loans.append(
            servicing.book_loan(
                actor=user_of("agent"),
                customer=customer,
                product=product,
                loan_no=f"L{n}",
                principal="1000",
                disbursed_on=dt.date(2026, 1, 31),
            )
        )
    demo.business_date = dt.date(2026, 3, 3)
    demo.save()
    with_dummy.promises.clear()
    for loan in loans:  # both promised 200.00 by 03-05 on 03-03
        with_dummy.promises[loan.pk] = (dt.date(2026, 3, 5), Decimal("200.00"), dt.date(2026, 3, 3))
    servicing.post_repayment(
        actor=user_of("agent"),
        loan=loans[0],
        amount=Decimal("200.00"),
        value_date=dt.date(2026, 3, 3),
        channel="online",
    )
    runs = runner.run(demo, until=dt.date(2026, 3, 5))
    assert with_dummy.promise_outcomes == {loans[0].pk: "kept", loans[1].pk: "broken"}
    assert [r.counts["rows"]["promises"] for r in runs] == [0, 0, 2]  # decided on the promised date


def test_backdated_payment_restates_history_through_the_hook(with_dummy, user_of, demo):
    import datetime as dt
    from decimal import Decimal

    from postloan.eod import runner
    from postloan.servicing import services as servicing

    product = servicing.save_product(
        actor=user_of("admin"),
        institution=demo,
        code="p",
        name="p",
        config={"term": 3, "annual_rate": "0.12"},
    )
    customer = servicing.create_customer(
        actor=user_of("agent"), institution=demo, customer_no="C1", name="甲"
    )
    loan = servicing.book_loan(
        actor=user_of("agent"),
        customer=customer,
        product=product,
        loan_no="L1",
        principal="1000",
        disbursed_on=dt.date(2026, 1, 31),
    )
    demo.business_date = dt.date(2026, 3, 1)
    demo.save()
    runner.run(demo, until=dt.date(2026, 3, 3))  # business date now 03-04
    with_dummy.restated.clear()
    servicing.post_repayment(
        actor=user_of("agent"),
        loan=loan,
        amount=Decimal("400"),
        value_date=dt.date(2026, 3, 2),
        channel="online",
    )
    (histories,) = with_dummy.restated
    assert [(s.day, s.dpd) for s in histories[loan.pk]] == [
        (dt.date(2026, 3, 2), 0),
        (dt.date(2026, 3, 3), 0),
    ]
    servicing.post_repayment(
        actor=user_of("agent"),
        loan=loan,
        amount=Decimal("1"),
        value_date=dt.date(2026, 3, 4),
        channel="online",
    )
    assert len(with_dummy.restated) == 1  # a payment on the business date rewrites no closed day
