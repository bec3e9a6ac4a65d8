"""Turn a `make bench-load` run into `make bench` style JSON lines.

    load_report.py STATS_CSV [FAILURES_CSV [SAMPLES_JSON]]

STATS_CSV is locust's --csv statistics (the whole run: `load.*`). SAMPLES_JSON is every request recorded by
bench/locustfile.py; from it come the two figures the goals are set on:
  - `load.signin.*`: the sign-in POSTs (each hashes a password), whenever they happened;
  - `load.steady.*`: every other request that started after the last user arrived (signed-in users only).
"""

import csv
import json
import statistics
import sys

SIGN_IN = {"sign in", "sign in (form)"}


def emit(name: str, value, unit: str) -> None:
    print(json.dumps({"name": name, "value": value, "unit": unit}), flush=True)


def number(text: str) -> float:
    return round(float(text), 1) if text not in ("", "N/A") else 0.0


def percentile(values: list[float], p: int) -> float:
    if not values:
        return 0.0
    if len(values) == 1:
        return round(values[0], 1)
    return round(statistics.quantiles(values, n=100, method="inclusive")[p - 1], 1)


def _phase(prefix: str, samples: list, seconds: float | None) -> None:
    times = [s[2] for s in samples]
    emit(f"{prefix}.requests", len(samples), "requests")
    if seconds:
        emit(f"{prefix}.requests_per_second", round(len(samples) / seconds, 1), "req/s")
    emit(f"{prefix}.median_ms", round(statistics.median(times), 1) if times else 0.0, "ms")
    emit(f"{prefix}.p95_ms", percentile(times, 95), "ms")
    emit(f"{prefix}.p99_ms", percentile(times, 99), "ms")
    emit(f"{prefix}.max_ms", round(max(times), 1) if times else 0.0, "ms")
    emit(f"{prefix}.errors", sum(1 for s in samples if s[3]), "requests")


def phases(samples_path: str) -> None:
    with open(samples_path) as f:
        run = json.load(f)
    samples = run["samples"]
    arrived = run["all_arrived"] or run["stopped"]
    emit("load.ramp_seconds", round(arrived - (run["started"] or arrived), 1), "s")
    _phase("load.signin", [s for s in samples if s[1] == "sign in"], None)
    steady = [s for s in samples if s[1] not in SIGN_IN and s[0] >= arrived]
    _phase("load.steady", steady, run["stopped"] - arrived)
    for page in sorted({s[1] for s in steady}):
        times = [s[2] for s in steady if s[1] == page]
        name = page.replace(" ", "_")
        emit(f"load.steady.page.{name}.median_ms", round(statistics.median(times), 1), "ms")
        emit(f"load.steady.page.{name}.p95_ms", percentile(times, 95), "ms")


def main(stats_path: str, failures_path: str | None = None, samples_path: str | None = None) -> None:
    with open(stats_path, newline="") as f:
        rows = list(csv.DictReader(f))
    total = next(r for r in rows if r["Name"] == "Aggregated")
    emit("load.requests", int(total["Request Count"]), "requests")
    emit("load.requests_per_second", number(total["Requests/s"]), "req/s")
    emit("load.median_ms", number(total["50%"]), "ms")
    emit("load.p95_ms", number(total["95%"]), "ms")
    emit("load.p99_ms", number(total["99%"]), "ms")
    emit("load.errors", int(total["Failure Count"]), "requests")
    for row in rows:
        if row["Name"] != "Aggregated":
            page = row["Name"].replace(" ", "_")
            emit(f"load.page.{page}.median_ms", number(row["50%"]), "ms")
            emit(f"load.page.{page}.p95_ms", number(row["95%"]), "ms")
    if samples_path:
        phases(samples_path)
    if failures_path:
        with open(failures_path, newline="") as f:
            for row in csv.DictReader(f):
                print(f"failed: {row['Name']} x{row['Occurrences']}: {row['Error']}", file=sys.stderr)


if __name__ == "__main__":
    main(*sys.argv[1:])
