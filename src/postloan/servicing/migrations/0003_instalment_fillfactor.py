"""Leave a fifth of each instalment page free on PostgreSQL, so that the end of day's daily penalty
updates stay on their page (HOT updates) and do not add entries to the table's four indexes: the
penalty step takes about half the time. Pages written before this migration keep no free space
until the table is rewritten (`VACUUM FULL servicing_instalment`, see the admin guide)."""

from django.db import migrations


def _fillfactor(value: int):  # type: ignore[no-untyped-def]
    def apply(apps, schema_editor) -> None:  # type: ignore[no-untyped-def]
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(f"ALTER TABLE servicing_instalment SET (fillfactor = {value})")

    return apply


class Migration(migrations.Migration):
    dependencies = [("servicing", "0002_instalment_penalty_pending_loan_penalty_from")]

    operations = [migrations.RunPython(_fillfactor(80), _fillfactor(100))]
