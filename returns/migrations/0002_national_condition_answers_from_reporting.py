"""NationalConditionAnswer (and its history) move from reporting to returns, which writes them, keeping every row.

The model is taken over in Django's state as it stands (its tables are reporting's), then its tables are renamed
to returns' own; reporting 0003 drops the model from reporting's state without touching the tables. The content
types move too, so permissions given for the model still apply.
"""

import django.db.models.deletion
import simple_history.models
from django.conf import settings
from django.db import migrations, models


def move_content_types(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    for model in ("nationalconditionanswer", "historicalnationalconditionanswer"):
        if not ContentType.objects.filter(app_label="returns", model=model).exists():
            ContentType.objects.filter(app_label="reporting", model=model).update(app_label="returns")


def move_content_types_back(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    for model in ("nationalconditionanswer", "historicalnationalconditionanswer"):
        if not ContentType.objects.filter(app_label="reporting", model=model).exists():
            ContentType.objects.filter(app_label="returns", model=model).update(app_label="reporting")


class Migration(migrations.Migration):

    dependencies = [
        ("returns", "0001_initial"),
        ("reporting", "0002_highlight_reports"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("schemes", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='HistoricalNationalConditionAnswer',
                    fields=[
                        ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                        ('created_at', models.DateTimeField(blank=True, editable=False)),
                        ('updated_at', models.DateTimeField(blank=True, editable=False)),
                        ('version', models.PositiveIntegerField(default=1, editable=False)),
                        ('quarter', models.CharField(help_text='e.g. 2014-15-Q4', max_length=20)),
                        ('code', models.CharField(help_text='e.g. 1, 4, 4i', max_length=10)),
                        ('parent_code', models.CharField(blank=True, max_length=10)),
                        ('text', models.TextField()),
                        ('answer', models.CharField(blank=True, choices=[('Yes', 'Yes'), ('No', 'No'), ('No - In Progress', 'No - In Progress')], max_length=20)),
                        ('commentary', models.TextField(blank=True)),
                        ('order', models.PositiveIntegerField(default=0)),
                        ('history_id', models.AutoField(primary_key=True, serialize=False)),
                        ('history_date', models.DateTimeField(db_index=True)),
                        ('history_change_reason', models.CharField(max_length=100, null=True)),
                        ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                        ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('programme', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='schemes.programme')),
                    ],
                    options={
                        'db_table': 'reporting_historicalnationalconditionanswer',
                        'verbose_name': 'historical national condition answer',
                        'verbose_name_plural': 'historical national condition answers',
                        'ordering': ('-history_date', '-history_id'),
                        'get_latest_by': ('history_date', 'history_id'),
                    },
                    bases=(simple_history.models.HistoricalChanges, models.Model),
                ),
                migrations.CreateModel(
                    name='NationalConditionAnswer',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('updated_at', models.DateTimeField(auto_now=True)),
                        ('version', models.PositiveIntegerField(default=1, editable=False)),
                        ('quarter', models.CharField(help_text='e.g. 2014-15-Q4', max_length=20)),
                        ('code', models.CharField(help_text='e.g. 1, 4, 4i', max_length=10)),
                        ('parent_code', models.CharField(blank=True, max_length=10)),
                        ('text', models.TextField()),
                        ('answer', models.CharField(blank=True, choices=[('Yes', 'Yes'), ('No', 'No'), ('No - In Progress', 'No - In Progress')], max_length=20)),
                        ('commentary', models.TextField(blank=True)),
                        ('order', models.PositiveIntegerField(default=0)),
                        ('programme', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='condition_answers', to='schemes.programme')),
                    ],
                    options={
                        'db_table': 'reporting_nationalconditionanswer',
                        'ordering': ['programme', 'quarter', 'order'],
                        'constraints': [models.UniqueConstraint(fields=('programme', 'quarter', 'code'), name='one_answer_per_condition')],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.AlterModelTable(name="nationalconditionanswer", table=None),
        migrations.AlterModelTable(name="historicalnationalconditionanswer", table=None),
        migrations.RunPython(move_content_types, move_content_types_back),
    ]
