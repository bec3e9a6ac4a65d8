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
from tests.factories.workbooks import MB, unpacked_bytes, workbook_bomb, workbook_bomb_within_limits
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


def _upload_in_a_child(tmp_path, content: bytes) -> dict:
    path = tmp_path / "bomb.xlsx"
    path.write_bytes(content)
    child = subprocess.run(
        [sys.executable, "-m", "tests.faults.upload_child", str(path), str(HEADROOM_MB)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert child.returncode == 0, (
        f"the upload did not refuse the bomb within its bounds:\n{child.stderr[:2000]}\n...\n{child.stderr[-1000:]}"
    )
    return json.loads(child.stdout.strip().splitlines()[-1])


def _emit(name: str, content: bytes, figures: dict) -> None:
    emit(f"{name}.file_kb", round(len(content) / 1024), "KB")
    emit(f"{name}.unpacked_mb", round(unpacked_bytes(content) / MB, 1), "MB")
    emit(f"{name}.refused_seconds", figures["seconds"], "s")
    emit(f"{name}.rss_growth_mb", figures["rss_growth_mb"], "MB")
    emit(f"{name}.traced_peak_mb", figures["traced_peak_mb"], "MB")


def test_the_58_mb_workbook_bomb_is_refused_before_it_is_parsed(tmp_path):
    content = workbook_bomb(SHEETS, unpacked_mb=58)
    assert round(unpacked_bytes(content) / MB) == 58

    figures = _upload_in_a_child(tmp_path, content)

    _emit("upload_bomb", content, figures)
    assert figures["problems"], "the bomb was accepted"
    assert any("unpacks to 58 MB" in problem and "20 MB" in problem for problem in figures["problems"]), figures
    # Generous and honest: the child's resident peak grows by far less than its 300 MB cap.
    assert figures["rss_growth_mb"] < 150, figures


def test_a_bomb_within_the_size_limits_is_refused_on_its_cell_count(tmp_path):
    """The attacker's next try: under 20 MB unpacked, packed under 100 to 1, but 1.3 million cells."""
    content = workbook_bomb_within_limits(SHEETS)

    figures = _upload_in_a_child(tmp_path, content)

    _emit("upload_bomb_within_size_limits", content, figures)
    assert figures["problems"], "the bomb was accepted"
    assert any("more than 500,000 cells" in problem for problem in figures["problems"]), figures
    assert figures["rss_growth_mb"] < 150, figures
