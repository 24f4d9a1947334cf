"""The audit trail is append-only and hash-chained; `postloan audit verify` finds tampering."""

import pytest
from django.db import connection

from postloan.cli import main
from postloan.platform import audit
from postloan.platform.domain import audit_chain
from postloan.platform.models import AuditEntry, User


def _rows(n: int) -> list[dict]:
    rows, prev = [], audit_chain.GENESIS
    for seq in range(1, n + 1):
        row = {
            "seq": seq,
            "created_at": f"2026-01-0{seq}T00:00:00.000000Z",
            "actor_id": 1,
            "actor_username": "a",
            "request_id": "r",
            "institution_id": 1,
            "object_type": "user",
            "object_id": str(seq),
            "action": "update",
            "before": {"x": seq},
            "after": {"x": seq + 1},
            "prev_hash": prev,
        }
        row["hash"] = audit_chain.entry_hash(prev, row)
        prev = row["hash"]
        rows.append(row)
    return rows


def test_chain_verifies_and_names_first_altered_row():
    rows = _rows(4)
    assert audit_chain.verify(rows, 4, rows[-1]["hash"]) is None
    rows[1]["after"] = {"x": 999}
    broken = audit_chain.verify(rows, 4, rows[-1]["hash"])
    assert broken is not None and broken.seq == 2 and "altered" in broken.reason


def test_chain_detects_deleted_middle_and_tail_rows():
    rows = _rows(4)
    assert audit_chain.verify([rows[0], rows[2], rows[3]], 4, rows[3]["hash"]).seq == 2
    assert audit_chain.verify(rows[:3], 4, rows[3]["hash"]).seq == 4


def test_writes_are_audited_with_before_and_after(demo, user_of):
    from postloan.platform import services

    admin = user_of("admin")
    collector = user_of("collector")
    services.update_user(actor=admin, user=collector, first_name="小洋")
    entry = AuditEntry.objects.filter(
        object_type="user", object_id=str(collector.pk), action="update"
    ).first()
    assert entry.actor_username == "admin"
    assert entry.before == {"first_name": "洋"}
    assert entry.after == {"first_name": "小洋"}


def test_audit_rows_cannot_be_updated_or_deleted_through_the_orm(demo):
    entry = AuditEntry.objects.order_by("seq").first()
    entry.action = "tampered"
    with pytest.raises(PermissionError):
        entry.save()
    with pytest.raises(PermissionError):
        entry.delete()


def test_pii_is_masked_in_the_trail(demo):
    entry = AuditEntry.objects.get(object_type="user", action="create", after__username="collector")
    assert entry.after["phone"] == "138****0003"
    assert "13800130003" not in str(entry.after)


@pytest.mark.django_db(transaction=True)
def test_cli_verify_passes_then_fails_naming_row_after_raw_sql_edit(capsys):
    from postloan.platform.demo import create_demo_institution

    create_demo_institution(password_suffix="-Demo-2026")
    assert main(["audit", "verify"]) == 0
    assert "intact" in capsys.readouterr().out
    target = AuditEntry.objects.order_by("seq")[4]
    with connection.cursor() as cursor:
        table = connection.ops.quote_name(AuditEntry._meta.db_table)
        cursor.execute(f"UPDATE {table} SET action = %s WHERE seq = %s", ["delete", target.seq])  # noqa: S608
    assert main(["audit", "verify"]) == 1
    err = capsys.readouterr().err
    assert f"row {target.seq}" in err and "altered" in err


@pytest.mark.django_db(transaction=True)
def test_cli_verify_detects_deleted_row(capsys):
    from postloan.platform.demo import create_demo_institution

    create_demo_institution(password_suffix="-Demo-2026")
    with connection.cursor() as cursor:
        table = connection.ops.quote_name(AuditEntry._meta.db_table)
        cursor.execute(f"DELETE FROM {table} WHERE seq = 3")  # noqa: S608
    assert main(["audit", "verify"]) == 1
    assert "row 3 is missing" in capsys.readouterr().err


def test_request_id_is_recorded(client_as):
    client = client_as("admin")
    response = client.post("/preferences/theme/", {"theme": "dark"}, HTTP_X_REQUEST_ID="req-abc-123")
    assert response["X-Request-ID"] == "req-abc-123"
    entry = AuditEntry.objects.get(action="update_preferences")
    assert entry.request_id == "req-abc-123"
    assert entry.after == {"theme": "dark"}
    assert User.objects.get(username="admin").theme == "dark"
    assert audit.verify_chain() is None
