import django.db.models.deletion
from django.db import migrations, models


def programmes_to_trafford(apps, schema_editor):
    """Every programme so far is Trafford's (the only partnership before issue 17)."""
    Partnership = apps.get_model("accounts", "Partnership")
    Programme = apps.get_model("schemes", "Programme")
    if not Programme.objects.filter(partnership__isnull=True).exists():
        return
    trafford, _ = Partnership.objects.get_or_create(
        slug="trafford", defaults={"name": "Trafford", "hwb_area": "Trafford"}
    )
    Programme.objects.filter(partnership__isnull=True).update(partnership=trafford)


class Migration(migrations.Migration):
    """A programme belongs to one partnership (Health & Wellbeing Board area): issue 17 §1."""

    dependencies = [
        ("accounts", "0006_partnership"),
        ("schemes", "0007_programme_setup"),
    ]

    operations = [
        migrations.AddField(
            model_name="historicalprogramme",
            name="partnership",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to="accounts.partnership",
            ),
        ),
        migrations.AddField(
            model_name="programme",
            name="partnership",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="programmes",
                to="accounts.partnership",
            ),
        ),
        migrations.RunPython(programmes_to_trafford, migrations.RunPython.noop),
    ]
