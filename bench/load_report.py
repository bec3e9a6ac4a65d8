"""Turn locust's --csv statistics into `make bench` style JSON lines: `load_report.py STATS_CSV [FAILURES_CSV]`."""

import csv
import json
import sys


def emit(name: str, value, unit: str) -> None:
    print(json.dumps({"name": name, "value": value, "unit": unit}), flush=True)


def number(text: str) -> float:
    return round(float(text), 1) if text not in ("", "N/A") else 0.0


def main(stats_path: str, failures_path: str | None = None) -> None:
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
    if failures_path:
        with open(failures_path, newline="") as f:
            for row in csv.DictReader(f):
                print(f"failed: {row['Name']} x{row['Occurrences']}: {row['Error']}", file=sys.stderr)


if __name__ == "__main__":
    main(*sys.argv[1:])
