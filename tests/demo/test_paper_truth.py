"""The demo read against the paper it is transcribed from: seed 000_5d271b221020b83b.txt, the report to the
Trafford Health & Wellbeing Board of 9 June 2015 (cited as "000", with the line numbers of the seed file).

Each test says which lines of the paper its figures come from. The paper's RAG cells are empty; what it says in
words (5.2 "will still report on track", 000 line 240) and the milestones it lists as completed are what the
report must agree with.
"""

import datetime as dt
import io
import subprocess

from django.core.management import call_command
from django.utils import timezone

from dashboard.forms import default_period
from milestones.models import Milestone
from reporting.selectors import highlight_snapshot, period_resolve
from schemes.models import Programme

SLUG = "trafford-bcf-2015-16"


def _programme():
    return Programme.objects.get(slug=SLUG)


def test_latest_is_the_period_the_paper_reports_on(demo):
    # 000 line 5: "Date: 9 June 2015"; line 141: "Completed Milestones/Tasks this period From: (18/03/2015)To:
    # (20/05/2015)". The next period (line 148, "From: (20/05/2015)To: (22/07/2015)") has no board of its own.
    programme = _programme()
    period = period_resolve(programme=programme, period="latest")
    assert (period.code, period.start_date, period.end_date, period.board_date) == (
        "2015-16-P1",
        dt.date(2015, 3, 18),
        dt.date(2015, 5, 20),
        dt.date(2015, 6, 9),
    )
    periods = list(programme.periods.order_by("start_date"))
    assert default_period(periods, timezone.localdate()) == period


# The paper's "Completed Milestones/Tasks this period" tables, scheme by scheme: a phrase from each row the P1 report
# lists, and the paper's line. Where the report lists fewer rows than the paper, the comment says why (the paper
# itself says otherwise later in the same scheme's update).
COMPLETED = {
    # 000 lines 182-185 (4 rows). The audit row (182) is left out: the next-period table (line 189) lists it again,
    # "deadline extended", 26/05/2015, so it was not done.
    "5.1": ["Stakeholder engagement", "Development of the engagement plan", "Service model to be agreed"],
    # 000 lines 220-225 (6 rows). The TSG project brief (line 225) was rejected: closed as Rejected, not complete.
    # The overlay specification (line 223) is planned again for 30/05/2015 (line 229), so it was not done.
    "5.2": [
        "Project governance realigned",
        "EOL project update to be presented to PRAP",
        "EOL Task & Finish group re established",
        "EOL pathway to be designed",
    ],
    # 000 lines 270-272.
    "5.3": ["Establishment of Intermediate Care Development Group", "Scope and analyse", "Engagement"],
    # 000 lines 308-309.
    "5.4": ["Extension to existing Contract", "Explore options for additional GM CCGs"],
    # 000 lines 345-346 (both dated 30/05/2015; recorded by the period's last day, see the YAML header); and
    # "Commence Procurement engagement" (plan line 334, 15/05/2015), which §3.2.1 (line 94) says has "already begun".
    "5.5": ["Commence Procurement engagement", "Falls working group reconvened", "Financial implications"],
    # 000 lines 399-403.
    "5.6": ["Service Design: The implementation of a proof of concept", "Development of Winter 14/15 model"],
    # 000 lines 445-451: seven rows, the estates row (450) and business support row (451) split into their items;
    # the handovers row (446) says "on target for 100% completion by 30 June 2015", so it is not done; estates iii
    # ("alternative options being reviewed") is not done.
    "5.7": [
        "Structural reorganisation: Phase 2",
        "New Models Workshop",
        "Draft Neighbourhood Welcome packs",
        "Integrated business support functions: Integrated Finance meetings",
        "Input to CCG BCF Frail",
        "Estates: Site visit Mossview",
        "Estates: Requirements for desk space",
        "Integrated business support functions: IT discussions",
        "Integrated business support functions: Integrated performance monitoring",
        "Integrated business support functions: Draft HR",
    ],
}

# A phrase from each progress comment the paper prints for the scheme (000 lines 198, 237-238, 285-290, 320, 356,
# 415, 467-468).
COMMENTS = {
    "5.1": ["Implementation plan to be developed during August"],
    "5.2": ["A recommendation to change the scope", "This project will still report on track"],
    "5.3": ["To Identify Intermediate Care requirements"],
    "5.4": ["joint procurement with Stockport would not be an option"],
    "5.5": ["The proposed short term approach to the falls service"],
    "5.6": ["The Clinical Directors have been undertaking research"],
    "5.7": ["Integration work continues to develop at a rapid pace", "Projected risks relate to the need"],
}


def _p1_snapshot():
    programme = _programme()
    return highlight_snapshot(programme=programme, period=programme.periods.get(code="2015-16-P1"))


def test_p1_report_matches_the_paper_scheme_by_scheme(demo):
    snapshot = _p1_snapshot()
    schemes = {s["ref"]: s for s in snapshot["schemes"]}
    assert sorted(schemes) == sorted(COMPLETED)
    for ref, phrases in COMPLETED.items():
        scheme = schemes[ref]
        by_id = {m["id"]: m for m in scheme["milestones"]}
        listed = [by_id[pk]["description"] for pk in scheme["completed_this_period"]]
        assert len(listed) == len(phrases), (ref, listed)
        for phrase in phrases:
            assert any(d.startswith(phrase) for d in listed), (ref, phrase, listed)
        comments = " ".join(c["text"] for c in scheme["comments"])
        for phrase in COMMENTS[ref]:
            assert phrase in comments, (ref, phrase)
    # RAG summary. The paper's RAG cells are empty; it says 5.2 "will still report on track" (line 238), and lists
    # as done what was behind each scheme. The rules then suggest: 5.2, 5.3, 5.4 green (nothing late or moved
    # later); 5.1 amber (the audit "deadline extended", line 189); 5.7 amber (its Phase 2 restructure moved to
    # "July 2015 - March 2016", line 460); 5.6 red: its own next-period table (lines 409-411) plans "Design
    # sustainable model" for 31/03/2015 and 01/05/2015, inside this period, and the paper does not report them done.
    rags = {ref: scheme["rag"] for ref, scheme in schemes.items()}
    assert rags == {
        "5.1": "amber",
        "5.2": "green",
        "5.3": "green",
        "5.4": "green",
        "5.5": "green",
        "5.6": "red",
        "5.7": "amber",
    }
    # 000 §3.2.1 (lines 76-104): a point to highlight for each of the seven schemes.
    assert sorted(h["ref"] for h in snapshot["highlights"]) == sorted(COMPLETED)


def test_a_date_belongs_to_one_period(demo):
    # 000 line 141 and line 148: P1 ends and P2 starts on 20/05/2015. Nothing P1 lists as completed is listed
    # again by P2, and nothing P1 lists is dated on or after 20/05/2015.
    programme = _programme()
    p1 = _p1_snapshot()
    p2 = highlight_snapshot(programme=programme, period=programme.periods.get(code="2015-16-P2"))
    first = {pk for s in p1["schemes"] for pk in s["completed_this_period"]}
    second = {pk for s in p2["schemes"] for pk in s["completed_this_period"]}
    assert first and not first & second
    days = [m["completed_on"] for s in p1["schemes"] for m in s["milestones"] if m["id"] in first]
    assert max(days) < "2015-05-20"


def test_rejected_and_withdrawn_gates_show_as_such(demo):
    # 000 line 212: "Project Brief - TSG - rejected – to change scope / Project Brief - CC&FC - withdrawn".
    scheme = next(s for s in _p1_snapshot()["schemes"] if s["ref"] == "5.2")
    gates = {
        m["description"]: m for m in scheme["milestones"] if m["description"].startswith("Approvals: Project Brief")
    }
    assert sorted((m["closed_as"], m["rag"], m["completed_on"]) for m in gates.values()) == [
        ("Rejected", "", None),
        ("Withdrawn", "", None),
    ]
    ids = {m["id"] for m in gates.values()}
    assert not ids & set(scheme["completed_this_period"])
    assert not ids & set(scheme["overdue_at_end"])
    assert not Milestone.objects.filter(pk__in=ids).overdue(as_of=dt.date(2015, 5, 20)).exists()


def test_moves_say_which_way_and_give_the_papers_reason_not_the_transcription(demo):
    snapshot = _p1_snapshot()
    milestones = [m for s in snapshot["schemes"] for m in s["milestones"]]
    # 5.1 "Outcome measures to be agreed": plan 31/07/2015 (line 172), next-period 29/06/2015 (line 190): earlier.
    outcome = next(m for m in milestones if m["description"] == "Outcome measures to be agreed")
    assert (outcome["baseline_date"], outcome["due_date"], outcome["moved"]) == (
        "2015-07-31",
        "2015-06-29",
        "brought_forward",
    )
    audit = next(m for m in milestones if m["description"].startswith("Capacity and demand audit"))
    assert (audit["moved"], audit["extended_reason"]) == ("extended", "deadline extended")  # line 189
    for m in milestones:
        assert "table" not in m["extended_reason"].lower(), m  # "Next-period table gives …" is a source note
    note = Milestone.objects.get(pk=outcome["id"]).source_note
    assert "Next-period table gives the estimated completion date 29/06/2015" in note


def test_planned_next_period_holds_only_the_next_period(demo):
    snapshot = _p1_snapshot()
    start, end = snapshot["period"]["next_start_date"], snapshot["period"]["next_end_date"]
    for scheme in snapshot["schemes"]:
        by_id = {m["id"]: m for m in scheme["milestones"]}
        for pk in scheme["planned_next_period"]:
            assert start <= by_id[pk]["due_date"] < end, (scheme["ref"], by_id[pk])
        for pk in scheme["overdue_at_end"]:
            assert by_id[pk]["due_date"] < snapshot["period"]["end_date"] and not by_id[pk]["completed_on"]


def test_a_lead_tbc_prints_as_the_paper_has_it(demo):
    # 000 line 430: "Angela Thornton up to 31 March 2015. Tbc from 01 April 2015".
    scheme = next(s for s in _p1_snapshot()["schemes"] if s["ref"] == "5.7")
    assert scheme["project_leads"] == ["Angela Thornton up to 31 March 2015", "Tbc from 01 April 2015"]


def test_dashboard_rag_counts_agree_with_the_reports_chart(demo_client):
    # The report's projects table and RAG chart count the seven schemes of 000 §3.2 (lines 56-66); the project
    # still to scope (§3.2.4, line 130) is listed apart, so the dashboard counts it nowhere either.
    response = demo_client("steering").get("/dashboard/", follow=True)
    assert response.context["filters"].period.code == "2015-16-P1"
    dashboard = {c.rag: c.count for c in response.context["rag"].counts}
    report: dict[str, int] = {}
    for scheme in _p1_snapshot()["schemes"]:
        report[scheme["rag"]] = report.get(scheme["rag"], 0) + 1
    assert dashboard == {rag: report.get(rag, 0) for rag in dashboard}
    assert dashboard[""] == 0


def test_the_june_2015_report_shows_the_bcf_pooled_fund(demo):
    # 000 §2.1 and §2.5 (lines 29-34, 42): the programme's money is a section 75 pooled budget with a risk share;
    # the joint financial plan was still being finalised, so no amounts are recorded.
    money = _p1_snapshot()["money"]
    assert [(f["name"], f["section_75"]) for f in money] == [("Trafford Better Care Fund pooled budget 2015/16", True)]
    assert "risk share" in money[0]["risk_share"]
    # Its budget monitoring (#19.3) lists the partners with no figures, "not given", rather than made-up zeros.
    monitoring = money[0]["monitoring"]
    assert monitoring["given"] is False and monitoring["total"] is None
    assert monitoring["partners"] and all(p["label"] and not p["lines"] for p in monitoring["partners"])


def test_build_highlight_report_latest_prints_the_papers_period(demo, tmp_path):
    out = tmp_path / "report.pdf"
    stdout = io.StringIO()
    call_command("build_highlight_report", "--programme", SLUG, "--period", "latest", "--out", str(out), stdout=stdout)
    assert "18/03/2015 to 20/05/2015" in stdout.getvalue()
    text = subprocess.run(["pdftotext", "-layout", str(out), "-"], capture_output=True, check=True).stdout.decode()
    text = " ".join(text.split())
    # 000 lines 25-46: the steering group section, its section 75 and risk share.
    assert "The Steering Group" in text and "section 75" in text and "risk share" in text
    assert "Julie Crossley" in text  # the contact, 000 line 17
    assert "Tbc from 01 April 2015" in text  # 000 line 430
    assert "Brought forward from 31/07/2015" in text  # 5.1 outcome measures, 000 lines 172 and 190
    assert "Rejected" in text and "Withdrawn" in text  # 000 line 212
    assert "Trafford Better Care Fund pooled budget 2015/16" in text
    assert "Next-period table" not in text  # transcription notes are never printed
