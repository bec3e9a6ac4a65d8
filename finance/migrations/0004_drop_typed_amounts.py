from django.db import migrations, models


class Migration(migrations.Migration):
    """Drop the typed money columns once 0003 has carried their values into contributions and movements."""

    dependencies = [
        ("finance", "0003_typed_amounts_to_movements"),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name='allocation',
            name='allocation_not_negative',
        ),
        migrations.RemoveConstraint(
            model_name='fund',
            name='fund_total_not_negative',
        ),
        migrations.RemoveField(
            model_name='allocation',
            name='amount',
        ),
        migrations.RemoveField(
            model_name='fund',
            name='source',
        ),
        migrations.RemoveField(
            model_name='fund',
            name='total',
        ),
        migrations.RemoveField(
            model_name='historicalallocation',
            name='amount',
        ),
        migrations.RemoveField(
            model_name='historicalfund',
            name='financial_years',
        ),
        migrations.RemoveField(
            model_name='historicalfund',
            name='source',
        ),
        migrations.RemoveField(
            model_name='historicalfund',
            name='total',
        ),
        migrations.RemoveField(
            model_name='fund',
            name='financial_years',
        ),
        migrations.AddField(
            model_name='fund',
            name='financial_years',
            field=models.ManyToManyField(blank=True, related_name='funds', to='finance.financialyear'),
        ),
    ]
