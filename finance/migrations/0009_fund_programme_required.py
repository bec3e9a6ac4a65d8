import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    """Every fund now has its programme (0008 gave each orphan one). A migration of its own: on PostgreSQL the
    rows 0008 wrote leave deferred constraint checks pending, and ALTER TABLE cannot run in that transaction."""

    dependencies = [
        ("finance", "0008_fund_belongs_to_a_programme"),
        ("schemes", "0009_programme_partnership_required"),
    ]

    operations = [
        migrations.AlterField(
            model_name="fund",
            name="programme",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT, related_name="funds", to="schemes.programme"
            ),
        ),
    ]
