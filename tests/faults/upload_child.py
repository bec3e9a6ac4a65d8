"""Run by test_upload_bomb in a child process: one workbook through the schemes upload, bounded and measured.

    python -m tests.faults.upload_child <file.xlsx> <headroom MB>

The child may use no more than `headroom` MB of address space beyond what it holds after start-up
(RLIMIT_AS), so a replay of the bomb cannot eat the machine: an upload that builds the whole workbook
dies of MemoryError instead. It prints one JSON line: the problems the upload reported (or null if it
was accepted), the seconds it took, how far its peak resident memory rose above what was resident before,
and tracemalloc's peak.
"""

import json
import os
import resource
import sys
import time
import tracemalloc
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

import django  # noqa: E402

django.setup()

from django.core.files.uploadedfile import SimpleUploadedFile  # noqa: E402

from core.spreadsheets import SpreadsheetErrors  # noqa: E402
from schemes.models import Programme  # noqa: E402
from schemes.spreadsheet import programme_workbook_import  # noqa: E402

MB = 1024 * 1024


def status_kb(field: str) -> int:
    """A figure from /proc/self/status in kB: VmSize (address space), VmHWM (peak resident memory)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise LookupError(field)


def upload(content: bytes) -> list[str] | None:
    """The upload as the view calls it; the programme is never saved (a refusal must come before the database)."""
    file = SimpleUploadedFile("bomb.xlsx", content)
    try:
        programme_workbook_import(programme=Programme(name="Bomb", slug="bomb"), file=file, user=None)
    except SpreadsheetErrors as exc:
        return [error["message"] for error in exc.errors]
    return None


def main() -> None:
    content = Path(sys.argv[1]).read_bytes()
    headroom = int(sys.argv[2]) * MB
    _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    resource.setrlimit(resource.RLIMIT_AS, (status_kb("VmSize") * 1024 + headroom, hard))

    # Reset the peak resident size to what is resident now (Linux: clear_refs 5), so the growth measured is
    # this upload's, not hidden under a higher peak left by start-up.
    Path("/proc/self/clear_refs").write_text("5")
    resident_before = status_kb("VmRSS")
    start = time.perf_counter()
    problems = upload(content)
    seconds = time.perf_counter() - start
    peak_after = status_kb("VmHWM")

    # Again under tracemalloc (which slows Python down, so it is not timed): the peak of what was allocated.
    tracemalloc.start()
    upload(content)
    traced_peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()

    print(
        json.dumps(
            {
                "problems": problems,
                "seconds": round(seconds, 3),
                "rss_growth_mb": round((peak_after - resident_before) / 1024, 1),
                "traced_peak_mb": round(traced_peak / MB, 1),
            }
        ),
        flush=True,
    )


if __name__ == "__main__":
    main()
