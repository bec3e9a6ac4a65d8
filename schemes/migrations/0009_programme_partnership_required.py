import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    """Every programme now has its partnership (0008 filled them in). A migration of its own: on PostgreSQL the
    rows 0008 updated leave deferred constraint checks pending, and ALTER TABLE cannot run in that transaction."""

    dependencies = [
        ("schemes", "0008_programme_partnership"),
    ]

    operations = [
        migrations.AlterField(
            model_name="programme",
            name="partnership",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT, related_name="programmes", to="accounts.partnership"
            ),
        ),
    ]
