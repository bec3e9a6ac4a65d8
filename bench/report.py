"""Highlight report benchmark (issue 7): the demo report (7 schemes) and a synthetic 60-scheme report.

For each it emits the app's time (snapshot from the database, HTML, PDF), WeasyPrint's time for the same
HTML already rendered (the floor: the whole report in one piece, as html_to_pdf lays it out) and their
ratio, so the app's overhead reads as a ratio; then the peak memory of one build. A report of
HIGHLIGHT_REPORT_PARALLEL_SCHEMES or more is laid out in parts on two cores, so its ratio can be under 1.
Also the stock WeasyPrint time (its own user-agent stylesheet) for the same HTML, to show what the trimmed
one saves. Targets: demo under 3 s, 60 schemes under 20 s, overhead ratio under 1.3.

    from bench import report as report_bench
    report_bench.run(emit=emit)
"""

import os
import resource
import statistics
import time
import tracemalloc

ROUNDS = int(os.environ.get("BENCH_REPORT_ROUNDS", "3"))


def _median_seconds(build) -> float:
    timings = []
    for _ in range(ROUNDS):
        start = time.perf_counter()
        build()
        timings.append(time.perf_counter() - start)
    return statistics.median(timings)


def measure(*, name: str, programme, period, emit) -> None:
    from weasyprint import HTML

    from reporting import services
    from reporting.renderers.pdf import StaticOnlyFetcher, html_to_pdf
    from reporting.selectors import highlight_snapshot

    services.highlight_report_draft(programme=programme, period=period)  # warm templates and fonts
    app = _median_seconds(lambda: services.highlight_report_draft(programme=programme, period=period))
    html = services.highlight_report_html(
        snapshot=highlight_snapshot(programme=programme, period=period), status="DRAFT"
    )
    floor = _median_seconds(lambda: html_to_pdf(html))
    stock = _median_seconds(lambda: HTML(string=html, url_fetcher=StaticOnlyFetcher(), base_url=None).write_pdf())
    pages = html_to_pdf(html).pages
    emit(f"report.{name}.seconds", round(app, 2), "s")
    emit(f"report.{name}.weasyprint_floor_seconds", round(floor, 2), "s")
    emit(f"report.{name}.overhead_ratio", round(app / floor, 3), "ratio")
    emit(f"report.{name}.weasyprint_stock_stylesheet_seconds", round(stock, 2), "s")
    emit(f"report.{name}.pages", pages, "pages")
    # Memory in a separate build: tracemalloc slows Python down, so it must not touch the timings. It sees
    # Python's allocations; the C libraries' (Pango, HarfBuzz) show in the process's peak RSS.
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    tracemalloc.start()
    services.highlight_report_draft(programme=programme, period=period)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    emit(f"report.{name}.peak_python_mb", round(peak / 2**20, 1), "MB")
    emit(
        f"report.{name}.process_peak_rss_mb", round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1), "MB"
    )
    emit(
        f"report.{name}.rss_growth_mb",
        round((resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss_before) / 1024, 1),
        "MB",
    )
    # The forked part workers' largest resident size (they start as a copy of this process).
    emit(
        f"report.{name}.part_worker_peak_rss_mb",
        round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, 1),
        "MB",
    )


def run(*, emit) -> None:
    from demo.services import demo_load
    from demo.synthetic import synthetic_programme_generate
    from schemes.models import Programme

    demo_load(password="bench-demo-password")
    trafford = Programme.objects.get(slug="trafford-bcf-2015-16")
    measure(name="demo_7_schemes", programme=trafford, period=trafford.periods.get(code="2015-16-P1"), emit=emit)

    start = time.perf_counter()
    programme = synthetic_programme_generate(
        schemes=60, milestones_per_scheme=20, periods=12, seed=60, slug="bench-report-60", risks=100
    )
    emit("synthetic.generate_60x20_report_programme.seconds", round(time.perf_counter() - start, 2), "s")
    period = programme.periods.order_by("start_date")[5]
    measure(name="synthetic_60_schemes", programme=programme, period=period, emit=emit)
