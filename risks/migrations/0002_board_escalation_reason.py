from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('risks', '0001_initial'),
    ]

    operations = [
        migrations.AddField(
            model_name='historicalrisk',
            name='board_escalation_reason',
            field=models.TextField(blank=True, verbose_name='Why it is not reported to the board'),
        ),
        migrations.AddField(
            model_name='risk',
            name='board_escalation_reason',
            field=models.TextField(blank=True, verbose_name='Why it is not reported to the board'),
        ),
    ]
