"""Issue 15, attack 2: a 207 KB .xlsx whose unused sheet unpacks to 58 MB was accepted by the schemes upload
after 40-51 s of CPU and about 1 GB more memory in the server process.

Replayed in a child process whose address space is capped (see upload_child), so the replay cannot take
the machine down: before the fix the child died of MemoryError; now the bomb is refused with the sizes in
words. The figures are printed as JSON lines (`make faults`); the speed target lives there, not in an
assertion.
"""

import json
import subprocess
import sys

from tests.conftest import ROOT
from tests.factories.workbooks import MB, unpacked_bytes, workbook_bomb
from tests.faults.conftest import emit

# Two sheets with the schemes upload's headers, and the bomb beside them.
SHEETS = [
    (
        "Schemes",
        [
            "Ref",
            "Name",
            "Workstream",
            "Description",
            "Clinical lead",
            "CCG",
            "GM",
            "National",
            "Locality",
            "Status",
            "Version",
        ],
    ),
    (
        "Milestones",
        [
            "Milestone ID",
            "Scheme ref",
            "Phase",
            "Description",
            "Start date",
            "Baseline date",
            "Due date",
            "Completed on",
            "Status",
            "Reason for date change",
            "Version",
        ],
    ),
]
HEADROOM_MB = 300  # the child may grow by this much address space at most; the target is under 50 MB


def test_the_58_mb_workbook_bomb_is_refused_before_it_is_parsed(tmp_path):
    content = workbook_bomb(SHEETS, unpacked_mb=58)
    assert round(unpacked_bytes(content) / MB) == 58
    path = tmp_path / "bomb.xlsx"
    path.write_bytes(content)

    child = subprocess.run(
        [sys.executable, "-m", "tests.faults.upload_child", str(path), str(HEADROOM_MB)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )

    assert child.returncode == 0, f"the upload did not refuse the bomb within its bounds:\n{child.stderr[-3000:]}"
    figures = json.loads(child.stdout.strip().splitlines()[-1])
    emit("upload_bomb.file_kb", round(len(content) / 1024), "KB")
    emit("upload_bomb.unpacked_mb", 58, "MB")
    emit("upload_bomb.refused_seconds", figures["seconds"], "s")
    emit("upload_bomb.rss_growth_mb", figures["rss_growth_mb"], "MB")
    emit("upload_bomb.traced_peak_mb", figures["traced_peak_mb"], "MB")
    assert figures["problems"], "the bomb was accepted"
    assert any("unpacks to 58 MB" in problem and "20 MB" in problem for problem in figures["problems"]), figures
    # Generous and honest: the child's resident peak grows by far less than its 300 MB cap.
    assert figures["rss_growth_mb"] < 150, figures
