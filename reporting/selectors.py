"""Reads for the highlight report: the snapshot of programme data a report is built from, and what changed.

A snapshot is plain JSON (dates as ISO strings, money as decimal strings), so an issued report keeps exactly
the data it was built from, and the PDF can be rebuilt from it years later without the live records.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from decimal import Decimal

from django.db.models import Count, Prefetch
from django.utils import timezone

from cases.selectors import cases_overview, k_text, net_table_of
from core.natural import natural_key, natural_order
from core.quarters import financial_year_label
from finance.models import DecisionStatus, Fund, Movement
from finance.selectors import budget_monitoring_as_at, expenditure_plan_years, fund_overview, pooled_fund_year
from metrics.selectors import HEADLINE_RULE, headline_progress, metric_summaries
from milestones.models import Milestone, open_condition, slipped_condition
from milestones.rag_rules import suggest_milestone_rag, suggest_scheme_rag
from reporting.models import HighlightCover, IssuedReport
from returns.selectors import national_conditions_as_at
from risks.models import MitigatingAction, Risk
from risks.scoring import Grade, risk_grade
from schemes.models import ProgressComment, ReportingPeriod, Scheme, SchemeLead, SchemePeriodUpdate, SchemeStatus
from schemes.selectors import (
    milestones_completed_in,
    milestones_overdue_at_end,
    milestones_planned_next,
    period_after,
    period_latest,
    programme_start_year,
)

SNAPSHOT_SCHEMA = 1
DEFAULT_MEETING = "Health & Wellbeing Board"


def _iso(value: dt.date | None) -> str | None:
    return value.isoformat() if value else None


def _money(value: Decimal | None) -> str | None:
    return None if value is None else str(Decimal(value).quantize(Decimal("0.01")))


def snapshot_sha256(snapshot: dict) -> str:
    """SHA-256 of the snapshot's canonical JSON (sorted keys, no spaces), so the same data gives the same hash."""
    return hashlib.sha256(canonical_json(snapshot).encode()).hexdigest()


def canonical_json(snapshot: dict) -> str:
    return json.dumps(snapshot, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def cover_for(*, programme, period) -> dict:
    """The cover block and opening sections as they will print: what the programme office saved, else defaults."""
    cover = HighlightCover.objects.filter(programme=programme, period=period).first()
    defaults = {
        "report_to": DEFAULT_MEETING,
        "report_date": _iso(period.board_date),
        "report_for": DEFAULT_MEETING,
        "report_of": programme.name,
        "title": f"Progress Report of {programme.name}",
        "purpose": f"To update the {DEFAULT_MEETING} on the progress of {programme.name} and of its schemes.",
        "recommendations": f"The {DEFAULT_MEETING} is asked to note the progress outlined in this report.",
        "contact": "",
        "introduction": "",
        "steering_group": "",
        "conclusion": "",
    }
    if cover is None:
        return {**defaults, "version": None}
    saved = {
        field: (_iso(getattr(cover, field)) if field == "report_date" else getattr(cover, field)) for field in defaults
    }
    return {field: saved[field] or defaults[field] for field in defaults} | {"version": cover.version}


def period_resolve(*, programme, period: str):
    """A reporting period of the programme by id, code or 'latest' (schemes.selectors.period_latest: the latest
    that has started and goes to a board); None if unknown."""

    periods = ReportingPeriod.objects.filter(programme=programme)
    if period == "latest":
        return period_latest(list(periods), timezone.localdate())
    if str(period).isdigit():
        return periods.filter(pk=int(period)).first()
    return periods.filter(code=period).first()


def _milestone(m, *, as_of: dt.date) -> dict:
    changes = sorted(m.date_changes.all(), key=lambda c: (c.changed_at, c.pk))
    suggested = suggest_milestone_rag(m, as_of=as_of)
    return {
        "id": m.pk,
        "phase": m.phase,
        "description": m.description,
        "start_date": _iso(m.start_date),
        "baseline_date": _iso(m.baseline_date),
        "due_date": _iso(m.due_date),
        "completed_on": _iso(m.completed_on),
        "status": m.status,
        # A gate rejected or withdrawn, or a cancelled task, shows its outcome in place of a RAG.
        "closed_as": m.get_status_display() if m.is_closed else "",
        "rag": "" if m.is_closed else (m.rag or (suggested.value if suggested else "")),
        "rag_suggested": not m.is_closed and not m.rag and bool(suggested),
        # "extended" (due later than first planned) or "brought_forward" (earlier); the reason is the last move's.
        "moved": "extended" if m.is_extended else ("brought_forward" if m.is_brought_forward else ""),
        "extended_reason": changes[-1].reason if changes and m.due_date != m.baseline_date else "",
    }


def _lead_names(leads: list, period) -> list[str]:
    """Who leads the scheme at the period's end. With nobody then, the paper's words: the last lead "up to" the
    day their term ended, and "Tbc from" the day after (000: "Angela Thornton up to 31 March 2015. Tbc from 01 April
    2015"); with no lead ever, nothing."""
    current = [lead for lead in leads if lead.is_current(period.end_date)]
    if current:
        return [lead.user.get_full_name() or lead.user.username for lead in current]
    ended = sorted(
        (lead for lead in leads if lead.end_date and lead.end_date < period.end_date), key=lambda x: x.end_date
    )
    if not ended:
        return [lead.user.get_full_name() or lead.user.username for lead in leads][-1:]
    last = ended[-1]
    name = last.user.get_full_name() or last.user.username
    return [f"{name} up to {last.end_date:%d %B %Y}", f"Tbc from {last.end_date + dt.timedelta(days=1):%d %B %Y}"]


def _scheme_rag(update, milestones, as_of) -> tuple[str, bool, str]:
    """(RAG, whether it is only the rules' suggestion, reason) for a scheme in a period."""

    if update and update.rag:
        return update.rag, False, update.rag_reason
    if update and update.rag_suggested:
        return update.rag_suggested, True, ""
    suggested = suggest_scheme_rag(milestones, as_of=as_of)
    return (suggested.value if suggested else ""), bool(suggested), ""


def _schemes(programme, period, next_period, as_of) -> tuple[list[dict], list[dict], list[dict], list[dict]]:
    """Schemes with milestones, comments and RAG; then highlights, interdependencies and projects to scope."""

    schemes = list(
        Scheme.objects.filter(programme=programme)
        .select_related("workstream")
        .prefetch_related(
            Prefetch("leads", queryset=SchemeLead.objects.select_related("user")),
            Prefetch("milestones", queryset=Milestone.objects.prefetch_related("date_changes")),
            Prefetch(
                "comments",
                queryset=ProgressComment.objects.filter(period=period).order_by("date", "id"),
                to_attr="in_period",
            ),
            Prefetch(
                "period_updates", queryset=SchemePeriodUpdate.objects.filter(period=period), to_attr="this_update"
            ),
            "dependencies__depends_on",
        )
        .order_by(natural_order("ref_key"), "name")
    )
    rows, highlights, dependencies, to_scope = [], [], [], []
    for scheme in schemes:
        if scheme.status == SchemeStatus.TO_SCOPE:
            to_scope.append({"name": scheme.name, "description": scheme.description})
            continue
        milestones = list(scheme.milestones.all())
        update = scheme.this_update[0] if scheme.this_update else None
        rag, suggested, reason = _scheme_rag(update, milestones, as_of)
        lead_names = _lead_names(list(scheme.leads.all()), period)
        by_id = {m.pk: m for m in milestones}
        row = {
            "id": scheme.pk,
            "ref": scheme.ref,
            "name": scheme.name,
            "workstream": scheme.workstream.name if scheme.workstream else "",
            "description": scheme.description,
            "clinical_lead": scheme.clinical_lead,
            "project_leads": lead_names,
            "ccg": scheme.reports_to_ccg,
            "gm": scheme.reports_to_gm,
            "national": scheme.reports_to_national,
            "status": scheme.status,
            "rag": rag,
            "rag_suggested": suggested,
            "rag_reason": reason,
            "update_status": update.status if update else "",
            "milestones": [_milestone(m, as_of=as_of) for m in milestones],
            "completed_this_period": [m.pk for m in milestones_completed_in(milestones, period)],
            "planned_next_period": [
                m.pk for m in milestones_planned_next(milestones, period, next_period) if m.pk in by_id
            ],
            "overdue_at_end": [m.pk for m in milestones_overdue_at_end(milestones, period)],
            "comments": [
                {"date": _iso(c.date), "kind": c.kind, "text": c.text, "rag": c.rag} for c in scheme.in_period
            ],
        }
        rows.append(row)
        for c in scheme.in_period:
            if c.kind in ("highlight", "good_news"):
                highlights.append({"ref": scheme.ref, "scheme": scheme.name, "kind": c.kind, "text": c.text})
        for dep in scheme.dependencies.all():
            dependencies.append(
                {
                    "ref": scheme.ref,
                    "scheme": scheme.name,
                    "with": (f"{dep.depends_on.ref} {dep.depends_on.name}" if dep.depends_on else dep.external_project),
                    "note": dep.note,
                }
            )
    return rows, highlights, dependencies, to_scope


def _risks(programme) -> list[dict]:
    """Open risks escalated to the board, highest score first, with their mitigating actions."""

    risks = (
        Risk.objects.filter(programme=programme)
        .open()
        .escalated()
        .prefetch_related("schemes", Prefetch("actions", queryset=MitigatingAction.objects.order_by("due_date", "id")))
        .order_by("-score_value", "raised_on", "id")
    )
    return [
        {
            "id": r.pk,
            "title": r.title,
            "description": r.description,
            "schemes": sorted((s.ref or s.name for s in r.schemes.all()), key=natural_key),
            "likelihood": r.likelihood,
            "consequence": r.consequence,
            "score": r.score,
            "grade": r.grade.label,
            "on_assurance_framework": r.on_assurance_framework,
            "assurance_reference": r.assurance_reference,
            "demo_values": r.demo_values,
            "actions": [
                {"action": a.action, "owner": a.owner_name, "due_date": _iso(a.due_date), "status": a.status}
                for a in r.actions.all()
            ],
        }
        for r in risks
    ]


def report_funds(*, programme):
    """The funds a programme's report prints (its money section, and the board pack's appendices): only the
    programme's own (a BCF programme's section 75 pooled budget); another programme's money never appears."""
    return Fund.objects.filter(programme=programme).order_by("name")


def _money_section(programme, as_of: dt.date) -> list[dict]:
    """Each fund of the programme: its headline figures, its allocations' budgets, its approved movements and its
    budget monitoring as at the period."""

    funds = []
    for fund in report_funds(programme=programme):
        overview = fund_overview(fund=fund)
        summary = overview["summary"]
        movements = (
            Movement.objects.filter(fund=fund, decision__status=DecisionStatus.APPROVED)
            .select_related("decision")
            .prefetch_related("lines")
            .order_by("decision__decided_on", "id")
        )
        funds.append(
            {
                "slug": fund.slug,
                "name": fund.name,
                "monitoring": budget_monitoring_print(fund=fund, on=as_of),
                "section_75": fund.section_75,
                "risk_share": fund.risk_share,
                "description": fund.description,
                "total": _money(summary["total"]),
                "allocated": _money(summary["allocated"]),
                "unallocated": _money(summary["unallocated"]),
                "going_forward": _money(summary["reconciliation"]["going_forward"]),
                "discontinued": _money(summary["reconciliation"]["discontinued"]),
                "spent": _money(summary["spent"]),
                "forecast": _money(summary["forecast"]),
                "variance": _money(summary["variance"]),
                "reconciles": summary["reconciliation"]["balanced"],
                "by_source": _by_source(fund),
                "allocations": [
                    {
                        "id": row.allocation.pk,
                        "label": row.label,
                        "scheme_id": row.allocation.scheme_id,
                        "budget": _money(row.budget),
                        "spent": _money(row.spent),
                        "forecast": _money(row.forecast),
                    }
                    for row in overview["tree"]["rows"]
                    if row.allocation is not None
                ],
                "movements": [
                    {
                        "id": m.pk,
                        "kind": m.get_kind_display(),
                        "decision": m.decision.title,
                        "decided_on": _iso(m.decision.decided_on),
                        "reason": m.reason,
                        "amount": _money(sum((line.amount for line in m.lines.all() if line.amount > 0), Decimal(0))),
                    }
                    for m in movements
                ],
            }
        )
    return funds


def _by_source(fund) -> list[dict]:
    """The pooled fund source by source (section 75, 2025/26 on), each plan year: what each source contributes and
    what the expenditure plan spends from it (finance.selectors.pooled_fund_year, none recomputed here)."""
    years = []
    for start_year in expenditure_plan_years(fund):
        plan = pooled_fund_year(fund, start_year)
        years.append(
            {
                "year": financial_year_label(start_year),
                "sources": [
                    {"name": r.name, "contributed": _money(r.contributed), "planned": _money(r.planned)}
                    for r in plan.by_source
                ],
                "contributed": _money(plan.contributed),
                "planned": _money(plan.planned),
            }
        )
    return years


def budget_monitoring_print(*, fund, on: dt.date) -> dict:
    """A fund's budget monitoring as the papers lay it out (003 §3): by partner, line by line, with the budget, actual
    spend in the year to date, forecast outturn, forecast variance and percentage, each partner's sub-total and the
    total. Every figure is finance.selectors.budget_monitoring's (via budget_monitoring_as_at), none recomputed.
    With no spend or forecast recorded by `on`, "given" is False and the partners are listed with no figures (the
    report says they are not given, rather than printing zeros)."""
    report = budget_monitoring_as_at(fund=fund, on=on)
    if report is None:
        partners = (
            list(dict.fromkeys(fund.allocations.order_by("order", "id").values_list("initiative", flat=True)))
            or list(fund.contributions.values_list("contributor", flat=True))
            or [line.strip() for line in fund.programme.partner_organisations.splitlines() if line.strip()]
            or [fund.programme.organisation]  # e.g. "Trafford Council and NHS Trafford CCG": the partners together
        )
        partners = [label for label in partners if label]
        return {"given": False, "as_at": "", "partners": [{"label": p, "lines": []} for p in partners], "total": None}
    partners = []
    for initiative in report["tree"].rows:
        lines = [
            _monitoring_row(row, workstream=workstream.label)
            for workstream in initiative.rows
            for row in workstream.rows
        ]
        partners.append({"label": initiative.label, "lines": lines, "total": _monitoring_row(initiative.subtotal)})
    return {
        "given": True,
        "as_at": f"{report['year'].label} Q{report['quarter']}",
        "partners": partners,
        "total": _monitoring_row(report["tree"].subtotal),
    }


def _monitoring_row(row, *, workstream: str = "") -> dict:
    return {
        "label": row.label,
        "workstream": workstream,
        "budget": _money(row.budget),
        "spent": _money(row.spent),
        "forecast": _money(row.forecast),
        "forecast_given": row.forecast_given,
        "variance": _money(row.variance),
        "variance_pct": None if row.variance_pct is None else str(row.variance_pct),
    }


def _metrics(programme, as_of: dt.date) -> list[dict]:
    rows = []
    for summary in metric_summaries(programme=programme, as_of=as_of, window=12):
        metric = summary.metric
        if metric.is_headline:
            continue  # in the headline section, with the policy year's rule
        rows.append(
            {
                "id": metric.pk,
                "name": metric.name,
                "scheme": metric.scheme.ref if metric.scheme else "",
                "unit": metric.unit,
                "direction": metric.get_direction_display(),
                "status": summary.status_label,
                "demo": metric.is_demo,
                "periods": [
                    {
                        "label": row.label,
                        "plan": _money(row.value.plan),
                        "actual": _money(row.value.actual),
                        "status": row.status_label,
                    }
                    for row in summary.rows
                ],
            }
        )
    return rows


def _at_a_glance(programme, schemes: list[dict], as_of: dt.date) -> dict:
    """The counts the dashboard shows, by the same rules (milestones.models' conditions, risks.scoring's grades):
    milestones completed this period, slipped ones (still open, past baseline, as at `as_of`; and all of them), and
    open risks by grade (every open risk, not only those escalated to the board). Two queries."""
    slipped = Milestone.objects.filter(scheme__programme=programme).aggregate(
        open=Count("pk", filter=open_condition(as_of) & slipped_condition()),
        all=Count("pk", filter=slipped_condition()),
    )
    grades = {grade.value: 0 for grade in Grade}
    for likelihood, consequence in (
        Risk.objects.filter(programme=programme).open().values_list("likelihood", "consequence")
    ):
        grades[risk_grade(likelihood * consequence).value] += 1
    return {
        "as_of": _iso(as_of),
        "completed_this_period": sum(len(s["completed_this_period"]) for s in schemes),
        "slipped_open": slipped["open"],
        "slipped_all": slipped["all"],
        "open_risks": sum(grades.values()),
        "risks_by_grade": [{"grade": Grade(value).label, "count": grades[value]} for value in reversed(grades)],
    }


def highlight_snapshot(*, programme, period) -> dict:
    """Everything the highlight report prints for a programme and period, as JSON-safe data."""

    periods = list(ReportingPeriod.objects.filter(programme=programme).order_by("start_date"))
    next_period = period_after(period, periods)
    as_of = min(period.end_date, timezone.localdate())
    schemes, highlights, dependencies, to_scope = _schemes(programme, period, next_period, as_of)
    next_end = (
        next_period.end_date
        if next_period
        else period.end_date + dt.timedelta(days=(period.end_date - period.start_date).days)
    )
    return {
        "schema": SNAPSHOT_SCHEMA,
        "taken_at": timezone.now().isoformat(timespec="seconds"),
        "programme": {
            "slug": programme.slug,
            "name": programme.name,
            "organisation": programme.organisation,
            # An invented programme's report says so on every page; a real one's snapshot is unchanged.
            **({"illustrative": programme.illustrative_label} if programme.is_illustrative else {}),
        },
        "period": {
            "id": period.pk,
            "code": period.code,
            "name": period.name,
            "start_date": _iso(period.start_date),
            "end_date": _iso(period.end_date),
            "steering_group_date": _iso(period.steering_group_date),
            "board_date": _iso(period.board_date),
            "next_start_date": _iso(next_period.start_date if next_period else period.end_date + dt.timedelta(days=1)),
            "next_end_date": _iso(next_end),
        },
        "cover": cover_for(programme=programme, period=period),
        "national_conditions": national_conditions_as_at(programme=programme, as_of=period.end_date),
        "schemes": schemes,
        "at_a_glance": _at_a_glance(programme, schemes, as_of),
        "highlights": highlights,
        "risks": _risks(programme),
        "interdependencies": dependencies,
        "to_scope": to_scope,
        "money": _money_section(programme, as_of),
        "metrics": _metrics(programme, period.end_date),
        # Only a programme with business cases gets the section (older snapshots and the others stay as they were).
        **_cases_section(programme),
        # Only a programme whose policy year declares headline metrics (2025/26 on) gets the section.
        **_headline_section(programme, period.end_date),
    }


def _headline_section(programme, as_of: dt.date) -> dict:
    """The policy year's headline metrics as at the period's end: plan, actual (from numerator and denominator) and
    on track / not on track / no data by metrics.selectors.HEADLINE_RULE, with the latest commentary."""
    start_year = programme_start_year(programme)
    items = headline_progress(programme, start_year, as_of)
    if not items:
        return {}
    return {
        "headline": {
            "year": financial_year_label(start_year),
            "as_of": _iso(as_of),
            "rule": HEADLINE_RULE,
            "metrics": [
                {
                    "code": item.code,
                    "name": item.name,
                    "unit": item.unit,
                    "direction": "Lower is better" if item.lower_is_better else "Higher is better",
                    "per": item.per,
                    "status": item.status,
                    "commentary": item.commentary,
                    "demo": item.is_demo,
                    "latest": {
                        "label": item.latest.label,
                        "plan": _money(item.latest.planned),
                        "actual": _money(item.latest.actual),
                    }
                    if item.latest
                    else None,
                    "periods": [
                        {
                            "label": p.label,
                            "plan": _money(p.planned),
                            "actual": _money(p.actual),
                            "numerator": _money(p.numerator),
                            "denominator": _money(p.denominator),
                        }
                        for p in item.points
                    ],
                }
                for item in items
            ],
        }
    }


def _cases_section(programme) -> dict:
    """Business cases and benefits: each case's status, investment, planned benefit, realised to date and payback,
    in £k with a net cost in brackets (cases.selectors computes every figure)."""
    overview = cases_overview(programme=programme)
    if not overview.total:
        return {}
    return {
        "cases": {
            "rows": [
                {
                    "title": s.case.title,
                    "status": s.case.get_status_display(),
                    "investment": k_text(s.investment),
                    "planned": k_text(s.planned_benefit),
                    "realised": k_text(s.realised),
                    "reinvestment": k_text(s.reinvestment),
                    "payback": s.payback_year,
                }
                for s in overview.summaries
            ],
            "net": [
                {"label": row.label, "years": [row.k(y) for y in table.years]}
                for table in [net_table_of(overview.summaries)]
                for row in [*table.rows, table.total]
            ],
            "years": net_table_of(overview.summaries).year_labels,
        }
    }


def previous_issued(*, programme, meeting: str, meeting_date: dt.date) -> IssuedReport | None:
    """The report the changes appendix compares with: the latest version issued to the same meeting (e.g. the
    Health & Wellbeing Board) at its last sitting before this one. Reports to other meetings do not count."""
    return (
        IssuedReport.objects.filter(programme=programme, meeting=meeting, meeting_date__lt=meeting_date)
        .order_by("-meeting_date", "-version")
        .first()
    )


def last_issued_meeting_date(*, period, meeting: str) -> dt.date | None:
    """The meeting date this period's report was last issued for, if any."""
    return (
        IssuedReport.objects.filter(period=period, meeting=meeting)
        .order_by("-issued_at", "-version")
        .values_list("meeting_date", flat=True)
        .first()
    )


def latest_issued_version(*, programme, meeting: str, meeting_date) -> int:
    """The latest version issued for a meeting, 0 if none."""
    latest = (
        IssuedReport.objects.filter(programme=programme, meeting=meeting, meeting_date=meeting_date)
        .order_by("-version")
        .values_list("version", flat=True)
        .first()
    )
    return latest or 0


def snapshot_changes(previous: dict, current: dict) -> dict:
    """What changed between two snapshots: RAG moves, milestones completed or slipped, risks new or re-scored,
    money movements approved since. Pure: snapshots in, lists out."""
    before_schemes = {s["id"]: s for s in previous.get("schemes", [])}
    rag_moves, completed, slipped = [], [], []
    for scheme in current.get("schemes", []):
        old = before_schemes.get(scheme["id"])
        if old is None:
            if scheme["rag"]:
                rag_moves.append({"ref": scheme["ref"], "scheme": scheme["name"], "before": "", "after": scheme["rag"]})
            continue
        if old["rag"] != scheme["rag"]:
            rag_moves.append(
                {"ref": scheme["ref"], "scheme": scheme["name"], "before": old["rag"], "after": scheme["rag"]}
            )
        old_milestones = {m["id"]: m for m in old["milestones"]}
        for m in scheme["milestones"]:
            was = old_milestones.get(m["id"])
            if m["completed_on"] and not (was and was["completed_on"]):
                completed.append({"ref": scheme["ref"], "description": m["description"], "date": m["completed_on"]})
            if was and was["due_date"] and m["due_date"] and m["due_date"] > was["due_date"]:
                slipped.append(
                    {
                        "ref": scheme["ref"],
                        "description": m["description"],
                        "before": was["due_date"],
                        "after": m["due_date"],
                        "reason": m["extended_reason"],
                    }
                )
    before_risks = {r["id"]: r for r in previous.get("risks", [])}
    new_risks, rescored = [], []
    for risk in current.get("risks", []):
        old = before_risks.get(risk["id"])
        if old is None:
            new_risks.append({"title": risk["title"], "score": risk["score"], "grade": risk["grade"]})
        elif old["score"] != risk["score"]:
            rescored.append(
                {"title": risk["title"], "before": old["score"], "after": risk["score"], "grade": risk["grade"]}
            )
    seen = {m["id"] for fund in previous.get("money", []) for m in fund["movements"]}
    movements = [
        {"fund": fund["name"], **m}
        for fund in current.get("money", [])
        for m in fund["movements"]
        if m["id"] not in seen
    ]
    return {
        "since": previous.get("period", {}).get("name", ""),
        "since_taken_at": previous.get("taken_at", ""),
        "rag_moves": rag_moves,
        "milestones_completed": completed,
        "milestones_slipped": slipped,
        "risks_new": new_risks,
        "risks_rescored": rescored,
        "money_movements": movements,
    }


def issued_reports(*, programme=None) -> list[dict]:
    """Issued reports grouped by meeting, newest meeting first, every version (no PDF bytes loaded)."""
    reports = IssuedReport.objects.select_related("programme", "period").defer("pdf", "snapshot")
    if programme is not None:
        reports = reports.filter(programme=programme)
    meetings: dict[tuple, dict] = {}
    for report in reports.order_by("-meeting_date", "meeting", "-version"):
        key = (report.programme_id, report.meeting, report.meeting_date)
        meetings.setdefault(
            key,
            {
                "programme": report.programme,
                "meeting": report.meeting,
                "meeting_date": report.meeting_date,
                "versions": [],
            },
        )["versions"].append(report)
    return list(meetings.values())
