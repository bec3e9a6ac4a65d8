"""build_highlight_report on the command line."""

import io

import pytest
from django.core.management import CommandError, call_command

from reporting.models import IssuedReport
from tests.reporting.conftest import pdf_text, squash

pytestmark = pytest.mark.django_db


def test_command_builds_the_demo_report_with_every_scheme_and_the_national_conditions(demo, tmp_path):
    out = tmp_path / "report.pdf"
    stdout = io.StringIO()
    call_command(
        "build_highlight_report", programme="trafford-bcf-2015-16", period="2015-16-P1", out=str(out), stdout=stdout
    )
    text = squash(pdf_text(out.read_bytes()))
    for ref, name in demo_schemes():
        assert squash(f"{ref} {name}") in text
    assert squash("Are the plans still jointly agreed?") in text
    assert "Draft highlight report" in stdout.getvalue()


def demo_schemes():
    from schemes.models import Scheme

    return Scheme.objects.filter(programme__slug="trafford-bcf-2015-16").exclude(ref="").values_list("ref", "name")


def test_command_issues_with_latest_and_refuses_a_second_issue(demo, tmp_path):
    out = tmp_path / "issued.pdf"
    call_command(
        "build_highlight_report",
        programme="trafford-bcf-2015-16",
        period="latest",
        out=str(out),
        issue=True,
        meeting_date="2015-09-08",
        by="pmo",
        stdout=io.StringIO(),
    )
    report = IssuedReport.objects.get()
    assert out.read_bytes() == bytes(report.pdf) and report.issued_by.username == "pmo"
    assert report.period.code == "2015-16-P1"  # the latest that has started and goes to a board
    with pytest.raises(CommandError, match="already issued"):
        call_command(
            "build_highlight_report",
            programme="trafford-bcf-2015-16",
            period="latest",
            out=str(out),
            issue=True,
            meeting_date="2015-09-08",
        )


@pytest.mark.parametrize(
    "options, message",
    [
        ({"programme": "nope", "period": "latest"}, "Unknown programme “nope”."),
        ({"programme": "trafford-bcf-2015-16", "period": "2099-P9"}, "Unknown reporting period “2099-P9”"),
        ({"programme": "trafford-bcf-2015-16", "period": "999999"}, "Unknown reporting period “999999”"),
    ],
)
def test_command_bad_input_is_one_line_and_non_zero(demo, tmp_path, options, message):
    with pytest.raises(CommandError, match=message) as error:
        call_command("build_highlight_report", out=str(tmp_path / "x.pdf"), **options)
    assert "\n" not in str(error.value)
    assert not (tmp_path / "x.pdf").exists()


def test_command_exits_non_zero_from_the_shell(demo, tmp_path):
    # CommandError becomes exit status 1 with the message on stderr when run as a program.
    from django.core.management import ManagementUtility

    utility = ManagementUtility(
        [
            "manage.py",
            "build_highlight_report",
            "--programme",
            "nope",
            "--period",
            "latest",
            "--out",
            str(tmp_path / "x"),
        ]
    )
    with pytest.raises(SystemExit) as exit_info:
        utility.execute()
    assert exit_info.value.code == 1


def test_command_refuses_a_bad_out_before_issuing(demo, tmp_path):
    with pytest.raises(CommandError, match="is a folder"):
        call_command(
            "build_highlight_report",
            programme="trafford-bcf-2015-16",
            period="2015-16-P1",
            out=str(tmp_path),
            issue=True,
        )
    assert not IssuedReport.objects.exists()
