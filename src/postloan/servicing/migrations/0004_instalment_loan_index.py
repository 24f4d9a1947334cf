"""Instalments: drop the separate index on loan_id; the (loan, period) unique index serves every
lookup by loan, and each extra index is written on every instalment insert and non-HOT update."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('servicing', '0003_instalment_fillfactor'),
    ]

    operations = [
        migrations.AlterField(
            model_name='instalment',
            name='loan',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='instalments', to='servicing.loan'),
        ),
    ]
