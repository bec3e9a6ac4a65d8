import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    """Separation of duties for money (issue 15): finance clearance becomes a finance officer's action (who, when);
    the typed text is kept as the paper's note; the recorder of a decision is its proposer."""

    dependencies = [
        ('finance', '0004_drop_typed_amounts'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        # The typed clearance (e.g. the demo's "GB") is kept word for word, history rows included, as the note of
        # what the paper printed. It no longer counts as a clearance: nobody is named as having cleared these.
        migrations.RenameField(
            model_name='decision',
            old_name='finance_clearance',
            new_name='finance_clearance_note',
        ),
        migrations.RenameField(
            model_name='historicaldecision',
            old_name='finance_clearance',
            new_name='finance_clearance_note',
        ),
        migrations.AlterField(
            model_name='decision',
            name='finance_clearance_note',
            field=models.CharField(blank=True, max_length=100, verbose_name='finance clearance as printed on the paper'),
        ),
        migrations.AlterField(
            model_name='historicaldecision',
            name='finance_clearance_note',
            field=models.CharField(blank=True, max_length=100, verbose_name='finance clearance as printed on the paper'),
        ),
        migrations.AddField(
            model_name='decision',
            name='finance_cleared_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='finance clearance given at'),
        ),
        migrations.AddField(
            model_name='decision',
            name='finance_cleared_by',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='finance clearance given by'),
        ),
        migrations.AddField(
            model_name='historicaldecision',
            name='finance_cleared_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='finance clearance given at'),
        ),
        migrations.AddField(
            model_name='historicaldecision',
            name='finance_cleared_by',
            field=models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='finance clearance given by'),
        ),
        migrations.AlterField(
            model_name='decision',
            name='legal_clearance',
            field=models.CharField(blank=True, help_text="The legal officer's name or initials.", max_length=100, verbose_name='legal officer clearance'),
        ),
        migrations.AlterField(
            model_name='decision',
            name='recorded_by',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='proposed by'),
        ),
        migrations.AlterField(
            model_name='historicaldecision',
            name='legal_clearance',
            field=models.CharField(blank=True, help_text="The legal officer's name or initials.", max_length=100, verbose_name='legal officer clearance'),
        ),
        migrations.AlterField(
            model_name='historicaldecision',
            name='recorded_by',
            field=models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='proposed by'),
        ),
    ]
