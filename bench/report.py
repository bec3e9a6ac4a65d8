"""Highlight report benchmark (issues 7, 16.4): the demo draft and a synthetic 60-scheme report.

- report.demo_7_schemes.first_draft_seconds: the app's first draft (snapshot, HTML, PDF; nothing cached) against
  WeasyPrint's own time for the same HTML (stock HTML().write_pdf()) in the same run; target ratio <= 1.1.
- report.demo_7_schemes.repeat_draft_seconds: the same draft asked for again with nothing changed: the snapshot
  is taken (to know its hash) and the PDF comes from the cache; target < 0.1 s.
- report.synthetic_60_schemes.one_piece_seconds against .two_workers_seconds: the 60-scheme report laid out in
  one piece in this process, then built by two real Celery workers (a chord of parts, joined), each the median of
  three builds from a cold draft cache (the workers warmed by one build first); target ratio <= 0.65. Needs
  REDIS_URL and PostgreSQL (DATABASE_URL): without them a skip line says so.

    from bench import report as report_bench
    report_bench.run(emit=emit)
"""

import gc
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROUNDS = int(os.environ.get("BENCH_REPORT_ROUNDS", "3"))
PARTS_ROUNDS = int(os.environ.get("BENCH_REPORT_PARTS_ROUNDS", "3"))
ROOT = Path(__file__).resolve().parents[1]


def _median_seconds(build, *, before=None, rounds: int = ROUNDS) -> float:
    timings = []
    for _ in range(rounds):
        if before is not None:
            before()
        start = time.perf_counter()
        build()
        timings.append(time.perf_counter() - start)
    return statistics.median(timings)


def _cold_draft() -> None:
    """Before a timed build: nothing in the draft cache, and no earlier build's garbage left for it to pay for (a
    laid-out document is a web of reference cycles: freeing one took 0.1-0.5 s of whichever build ran next)."""
    from django.core.cache import cache

    cache.clear()
    gc.collect()


def measure_draft(*, name: str, programme, period, emit) -> None:
    from django.core.cache import cache
    from weasyprint import HTML

    from reporting import highlight
    from reporting.renderers.pdf import StaticOnlyFetcher
    from reporting.selectors import highlight_snapshot

    def draft():
        return highlight.highlight_report_draft(programme=programme, period=period)

    def stock():
        return HTML(string=html, url_fetcher=StaticOnlyFetcher(), base_url=None).write_pdf()

    cache.clear()
    draft()  # warm templates and fonts
    html = highlight.highlight_report_html(
        snapshot=highlight_snapshot(programme=programme, period=period), status=highlight.DRAFT
    )
    stock()

    # The app's build and WeasyPrint's, round by round in turn, so a change in the machine's speed (up to 1.6x
    # here from one build to the next) falls on both alike rather than on whichever ran second; each starts with
    # the previous build's garbage collected (_cold_draft).
    firsts, stocks = [], []
    for _ in range(max(ROUNDS, 5)):
        firsts.append(_median_seconds(draft, before=_cold_draft, rounds=1))
        stocks.append(_median_seconds(stock, before=gc.collect, rounds=1))
    first, weasyprint = statistics.median(firsts), statistics.median(stocks)
    draft()
    repeat = _median_seconds(draft, rounds=max(ROUNDS, 5))
    pages = draft().pages
    emit(f"report.{name}.first_draft_seconds", round(first, 3), "s")
    emit(f"report.{name}.weasyprint_same_html_seconds", round(weasyprint, 3), "s")
    emit(f"report.{name}.first_draft_vs_weasyprint_ratio", round(first / weasyprint, 3), "ratio")
    emit(f"report.{name}.repeat_draft_seconds", round(repeat, 4), "s")
    emit(f"report.{name}.pages", pages, "pages")
    emit(
        f"report.{name}.process_peak_rss_mb", round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1), "MB"
    )


def _database_url() -> str | None:
    from django.db import connection

    db = connection.settings_dict
    if connection.vendor != "postgresql":
        return None
    return f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def _worker(queue: str, env: dict, log: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--pool=solo",
            "-Q",
            queue,
            f"--loglevel={os.environ.get('BENCH_WORKER_LOGLEVEL', 'warning')}",
        ]
        + ["--without-heartbeat", "--without-gossip", "--without-mingle", f"--hostname=bench-{log.stem}@%h"],
        cwd=ROOT,
        env=env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )


def measure_parts(*, name: str, programme, period, emit) -> None:
    """The report in one piece here, then by two real workers (a chord of parts), each from a cold cache."""

    from reporting import highlight

    one_piece = _median_seconds(
        lambda: highlight.highlight_report_draft(programme=programme, period=period), before=_cold_draft
    )
    emit(f"report.{name}.one_piece_seconds", round(one_piece, 2), "s")
    redis_url, database_url = os.environ.get("REDIS_URL"), _database_url()
    if not redis_url or not database_url:
        print(
            f"SKIPPED report.{name}.two_workers_seconds: needs REDIS_URL and PostgreSQL (DATABASE_URL) for real "
            "Celery workers sharing the benchmark database",
            flush=True,
        )
        return
    import redis

    from config.celery import app
    from core.models import BackgroundJob, JobState
    from reporting import tasks
    from reporting.jobs import REPORT_JOB

    queue = f"bench-report-{os.getpid()}"
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.local", "DATABASE_URL": database_url}
    logs = [Path(f"/tmp/bench-worker-{os.getpid()}-{n}.log") for n in (1, 2)]
    workers = [_worker(queue, env, log) for log in logs]
    saved = {key: app.conf[key] for key in ("task_always_eager", "broker_url", "result_backend")}
    app.conf.update(task_always_eager=False, broker_url=redis_url, result_backend=redis_url)
    try:
        client = redis.Redis.from_url(redis_url)
        for key in client.scan_iter(match="*highlight-report:DRAFT:*"):  # the workers' cache: start cold
            client.delete(key)
        # The first run also waits for the workers to start and warms them (a long-lived worker has laid out a
        # report before); the figure is the median of the next three, since which worker lays out which part, and
        # which joins, changes from run to run.
        timings = []
        for _ in range(1 + PARTS_ROUNDS):
            job = BackgroundJob.objects.create(
                kind=REPORT_JOB.name, programme=programme, subject=period.code, params={"period": period.pk}
            )
            for key in client.scan_iter(match="*highlight-report:DRAFT:*"):
                client.delete(key)
            start = time.perf_counter()
            tasks.build_highlight_report_job.apply_async(args=[job.pk], queue=queue)
            deadline = time.monotonic() + 600
            while time.monotonic() < deadline:
                job.refresh_from_db()
                if job.is_finished:
                    break
                time.sleep(0.05)
            timings.append(time.perf_counter() - start)
            if job.state != JobState.DONE or job.payload is None:
                print(f"report.{name}.two_workers: job {job.state} {job.error!r}; see {logs}", flush=True)
                return
        parts = highlight.highlight_report_part_count(job.payload["snapshot"])
        size = len(bytes(BackgroundJob.objects.values_list("file", flat=True).get(pk=job.pk)))
        two_workers = statistics.median(timings[1:])
        emit(f"report.{name}.two_workers_seconds", round(two_workers, 2), "s")
        emit(f"report.{name}.two_workers_parts", parts, "parts")
        emit(f"report.{name}.two_workers_vs_one_piece_ratio", round(two_workers / one_piece, 3), "ratio")
        emit(f"report.{name}.two_workers_pdf_bytes", size, "bytes")
    finally:
        app.conf.update(**saved)
        for worker in workers:
            worker.terminate()
        for worker in workers:
            try:
                worker.wait(timeout=20)
            except subprocess.TimeoutExpired:
                worker.kill()


def run(*, emit) -> None:
    from demo.services import demo_load
    from demo.synthetic import synthetic_programme_generate
    from schemes.models import Programme

    demo_load(password="bench-demo-password")
    trafford = Programme.objects.get(slug="trafford-bcf-2015-16")
    measure_draft(name="demo_7_schemes", programme=trafford, period=trafford.periods.get(code="2015-16-P1"), emit=emit)

    start = time.perf_counter()
    programme = synthetic_programme_generate(
        schemes=60, milestones_per_scheme=20, periods=12, seed=60, slug="bench-report-60", risks=100
    )
    emit("synthetic.generate_60x20_report_programme.seconds", round(time.perf_counter() - start, 2), "s")
    period = programme.periods.order_by("start_date")[5]
    measure_parts(name="synthetic_60_schemes", programme=programme, period=period, emit=emit)
