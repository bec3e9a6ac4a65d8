"""Return build jobs become core BackgroundJobs, every row kept."""

from django.db import migrations


def jobs_to_core(apps, schema_editor):
    ReturnJob = apps.get_model("returns", "ReturnJob")
    BackgroundJob = apps.get_model("core", "BackgroundJob")
    for job in ReturnJob.objects.order_by("pk").iterator():
        copied = BackgroundJob.objects.create(
            kind="quarterly_return",
            programme_id=job.programme_id,
            subject=job.quarter,
            requested_by_id=job.requested_by_id,
            scheduled=job.scheduled,
            state=job.state,
            step=job.step,
            error=job.error,
            attempts=job.attempts,
            task_id=job.task_id,
            result={"quarterly_return": job.quarterly_return_id} if job.quarterly_return_id else {},
            started_at=job.started_at,
            finished_at=job.finished_at,
        )
        # auto_now/auto_now_add stamp today: keep when the job was asked for and last heard from.
        BackgroundJob.objects.filter(pk=copied.pk).update(created_at=job.created_at, updated_at=job.updated_at)


def jobs_back(apps, schema_editor):
    ReturnJob = apps.get_model("returns", "ReturnJob")
    BackgroundJob = apps.get_model("core", "BackgroundJob")
    for job in BackgroundJob.objects.filter(kind="quarterly_return").order_by("pk").iterator():
        copied = ReturnJob.objects.create(
            programme_id=job.programme_id,
            quarter=job.subject,
            requested_by_id=job.requested_by_id,
            scheduled=job.scheduled,
            state=job.state,
            step=job.step,
            error=job.error,
            attempts=job.attempts,
            task_id=job.task_id,
            quarterly_return_id=(job.result or {}).get("quarterly_return"),
            started_at=job.started_at,
            finished_at=job.finished_at,
        )
        ReturnJob.objects.filter(pk=copied.pk).update(created_at=job.created_at, updated_at=job.updated_at)
        job.delete()


class Migration(migrations.Migration):

    dependencies = [
        ("returns", "0002_national_condition_answers_from_reporting"),
        ("core", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(jobs_to_core, jobs_back),
        migrations.DeleteModel(name="ReturnJob"),
    ]
