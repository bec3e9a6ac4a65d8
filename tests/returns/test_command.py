"""python manage.py build_quarterly_return --programme SLUG --quarter 2015-16-Q1 --out FILE.xlsx"""

import pytest
from django.core.management import CommandError, call_command

from returns.models import QuarterlyReturn
from tests.returns.helpers import find_row, workbook


def test_the_command_builds_the_draft_and_writes_the_workbook(programme, tmp_path, capsys):
    out = tmp_path / "q1.xlsx"
    call_command("build_quarterly_return", programme=programme.slug, quarter="2015-16-Q1", out=str(out))
    said = capsys.readouterr().out
    assert said.startswith(
        f"Wrote the 2015-16-Q1 return for Trafford Better Care Fund 2015/16 (draft version 1) to {out}"
    )
    assert "check(s) still to complete (see Checklist)" in said
    book = workbook(out.read_bytes(), data_only=True)
    ws = book["National Conditions"]
    row = find_row(ws, 1, "3)")
    assert ws.cell(row, 3).value == "No - In Progress"
    assert book["Checklist"]["B3"].value == "Incomplete Template"
    assert out.read_bytes() == bytes(QuarterlyReturn.objects.get().workbook)
    call_command("build_quarterly_return", programme=programme.slug, quarter="2015-16-Q1", out=str(out))
    assert QuarterlyReturn.objects.count() == 1


@pytest.mark.parametrize(
    "programme_slug, quarter, message",
    [
        (
            "no-such-programme",
            "2015-16-Q1",
            "No programme with slug “no-such-programme” (programmes: manchester-cicb-2012, northdale-bcf-2025-26, trafford-bcf-2015-16, trafford-budgets-2016-17, trafford-tf-2017-21).",
        ),
        (
            "trafford-bcf-2015-16",
            "2015-16-Q7",
            "“2015-16-Q7” is not a quarter: write it like 2015-16-Q1 (April to June 2015).",
        ),
        (
            "trafford-bcf-2015-16",
            "2014-15-Q4",
            "2014/15 Q4 (January to March 2015) is before Trafford Better Care Fund 2015/16 starts on 01/04/2015: "
            "there is no return for it.",
        ),
    ],
)
def test_bad_input_stops_with_a_one_line_message_and_writes_nothing(
    programme, tmp_path, programme_slug, quarter, message
):
    out = tmp_path / "x.xlsx"
    with pytest.raises(CommandError) as stopped:
        call_command("build_quarterly_return", programme=programme_slug, quarter=quarter, out=str(out))
    assert str(stopped.value) == message
    assert "\n" not in str(stopped.value)
    assert not out.exists()
    assert not QuarterlyReturn.objects.exists()


@pytest.mark.parametrize(
    "where, message",
    [
        ("folder", "it is a folder; give a file name such as q1.xlsx."),
        ("missing/q1.xlsx", "the folder {tmp}/missing does not exist."),
    ],
)
def test_an_unwritable_out_is_refused_before_anything_is_built(programme, tmp_path, where, message):
    (tmp_path / "folder").mkdir()
    out = tmp_path / where
    with pytest.raises(CommandError) as stopped:
        call_command("build_quarterly_return", programme=programme.slug, quarter="2015-16-Q1", out=str(out))
    assert str(stopped.value) == f"Could not write {out}: " + message.format(tmp=tmp_path)
    assert not QuarterlyReturn.objects.exists()
