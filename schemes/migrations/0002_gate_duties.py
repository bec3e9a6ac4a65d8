import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def create_governance_secretary_group(apps, schema_editor):
    # The role that records a gate's outcome beside the programme office (accounts.roles.Role.GOVERNANCE_SECRETARY).
    # Made here, beside the gate rules it serves, like the first five in accounts 0002.
    Group = apps.get_model("auth", "Group")
    Group.objects.get_or_create(name="Governance secretary")


class Migration(migrations.Migration):
    """Separation of duties at the gates (issue 15): who recorded a body's decision and when, and the governance
    secretary's role group."""

    dependencies = [
        ('schemes', '0001_initial'),
        ('auth', '0012_alter_user_first_name_max_length'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='approval',
            name='outcome_recorded_at',
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name='approval',
            name='outcome_recorded_by',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AddField(
            model_name='historicalapproval',
            name='outcome_recorded_at',
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name='historicalapproval',
            name='outcome_recorded_by',
            field=models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to=settings.AUTH_USER_MODEL),
        ),
        migrations.RunPython(create_governance_secretary_group, migrations.RunPython.noop),
    ]
