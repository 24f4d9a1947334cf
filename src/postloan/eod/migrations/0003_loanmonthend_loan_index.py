"""Month-end rows: drop the separate index on loan_id; the (loan, business_date) unique index serves
every lookup by loan, and the month end writes a row per active loan."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('eod', '0002_buckettransition_from_class_and_more'),
        ('servicing', '0004_instalment_loan_index'),
    ]

    operations = [
        migrations.AlterField(
            model_name='loanmonthend',
            name='loan',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='month_ends', to='servicing.loan'),
        ),
    ]
