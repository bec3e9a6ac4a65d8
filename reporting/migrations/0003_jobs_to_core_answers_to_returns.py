"""Report jobs become core BackgroundJobs (every row kept, with its PDF), and NationalConditionAnswer leaves
reporting's state (returns 0002 took it over with its tables and rows). An issued report records how many parts it
was laid out in, so it rebuilds to the same bytes."""

from django.db import migrations, models


def jobs_to_core(apps, schema_editor):
    ReportJob = apps.get_model("reporting", "ReportJob")
    BackgroundJob = apps.get_model("core", "BackgroundJob")
    for job in ReportJob.objects.select_related("period").order_by("pk").iterator():
        copied = BackgroundJob.objects.create(
            kind="highlight_report",
            programme_id=job.programme_id,
            subject=job.period.code,
            params={"period": job.period_id, "issue": job.issue},
            requested_by_id=job.requested_by_id,
            state=job.state,
            step=job.step,
            error=job.error,
            attempts=job.attempts,
            result={"issued_report": job.issued_report_id} if job.issued_report_id else {},
            file=job.pdf,
            started_at=job.started_at,
            finished_at=job.finished_at,
        )
        # auto_now/auto_now_add stamp today: keep when the job was asked for and last heard from.
        BackgroundJob.objects.filter(pk=copied.pk).update(created_at=job.created_at, updated_at=job.updated_at)


def jobs_back(apps, schema_editor):
    ReportJob = apps.get_model("reporting", "ReportJob")
    BackgroundJob = apps.get_model("core", "BackgroundJob")
    for job in BackgroundJob.objects.filter(kind="highlight_report").order_by("pk").iterator():
        if job.requested_by_id is None:
            continue  # a report job always had someone who asked for it
        copied = ReportJob.objects.create(
            programme_id=job.programme_id,
            period_id=job.params["period"],
            issue=job.params.get("issue"),
            requested_by_id=job.requested_by_id,
            state=job.state,
            step=job.step,
            error=job.error,
            attempts=job.attempts,
            issued_report_id=(job.result or {}).get("issued_report"),
            pdf=job.file,
            started_at=job.started_at,
            finished_at=job.finished_at,
        )
        ReportJob.objects.filter(pk=copied.pk).update(created_at=job.created_at, updated_at=job.updated_at)
        job.delete()


class Migration(migrations.Migration):

    dependencies = [
        ("reporting", "0002_highlight_reports"),
        ("returns", "0002_national_condition_answers_from_reporting"),
        ("core", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name="HistoricalNationalConditionAnswer"),
                migrations.DeleteModel(name="NationalConditionAnswer"),
            ],
            database_operations=[],
        ),
        migrations.RunPython(jobs_to_core, jobs_back),
        migrations.DeleteModel(name="ReportJob"),
        migrations.AddField(
            model_name="issuedreport",
            name="parts",
            field=models.PositiveIntegerField(
                default=1, help_text="How many parts it was laid out in by workers and joined (1: in one piece)."
            ),
        ),
    ]
