"""Writes for NHS England quarterly returns: build (create or refresh the one draft), edit answers, sign off,
correct, and the jobs and reminders around them. Every change is audited; a stale page's change is refused.

Rules kept here, whoever calls (views, the Celery task, the command):
- a quarter has at most one draft; building again refreshes it (the database refuses a second);
- answers a person changed are kept when the draft is rebuilt; the rest are pre-filled again from live data;
- a signed-off version never changes: its workbook bytes and SHA-256 are kept; a correction is a new version;
- sign-off is refused while any check fails, listing them;
- a quarter is built once it has started, and signed off once it has ended;
- sign-off records the national-condition answers for the quarter, for the highlight report.
"""

import datetime as dt
import hashlib
import logging
import re
from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Prefetch
from django.utils import timezone

from accounts.roles import Role
from accounts.selectors import member_ids, people_with_role
from core import jobs
from core.jobs import QueueUnavailable
from core.models import BackgroundJob, JobState
from core.natural import natural_order
from core.quarters import Quarter, quarter_of, quarter_parse, quarters_between
from core.services import audited_save, bump_version, check_version
from policy.returns import ReturnTemplate
from returns import selectors
from returns.checks import failed, return_checks
from returns.models import (
    ConditionAnswer,
    NationalConditionAnswer,
    QuarterlyReturn,
    ReminderKind,
    ReturnAnswer,
    ReturnStatus,
    UpdateReminder,
)
from returns.workbook import return_workbook_bytes
from returns.years import no_template_message, template_for
from schemes.models import LOCKED_FOR_LEAD, Programme, ReportingPeriod, Scheme, SchemeLead, SchemeStatus

logger = logging.getLogger(__name__)

MAX_ANSWER = 30_000  # characters: an Excel cell holds 32,767
QUEUE_UNAVAILABLE = "The job queue is unavailable: try again."


# --- Which quarter, which template ---------------------------------------------------------------


def return_quarter_check(*, programme: Programme, quarter) -> tuple[Quarter, ReturnTemplate]:
    """The quarter parsed and checked against the programme's dates, with the template for its year."""
    q = quarter if isinstance(quarter, Quarter) else quarter_parse(quarter)
    if q.ends_on < programme.start_date:
        raise ValidationError(
            {
                "quarter": f"{q.label} ({q.months}) is before {programme.name} starts on "
                f"{programme.start_date:%d/%m/%Y}: there is no return for it."
            }
        )
    if q.starts_on > programme.end_date:
        raise ValidationError(
            {"quarter": f"{q.label} is after {programme.name} ends on {programme.end_date:%d/%m/%Y}."}
        )
    today = timezone.localdate()
    if q.starts_on > today:
        raise ValidationError(
            {
                "quarter": f"{q.label} ({q.months}) has not started yet: its return can be built from "
                f"{q.starts_on:%d/%m/%Y}."
            }
        )
    template = template_for(q.start_year, q.number)
    if template is None:
        raise ValidationError({"quarter": no_template_message(q.start_year)})
    return q, template


# --- Answers as the checks and the renderer read them -------------------------------------------


def _answers(quarterly_return: QuarterlyReturn) -> dict[str, dict]:
    return {a.code: {"value": a.value, "commentary": a.commentary} for a in quarterly_return.answers.all()}


def _status_line(quarterly_return: QuarterlyReturn) -> str:
    if quarterly_return.status == ReturnStatus.SIGNED_OFF:
        return (
            f"Version {quarterly_return.revision}, signed off by {quarterly_return.signed_off_by} on behalf of "
            f"{quarterly_return.on_behalf_of} on {timezone.localtime(quarterly_return.signed_off_at):%d/%m/%Y}"
        )
    correction = " (correction)" if quarterly_return.revision > 1 else ""
    return f"DRAFT version {quarterly_return.revision}{correction}: not signed off"


def _render(quarterly_return: QuarterlyReturn, template: ReturnTemplate, answers: dict) -> bytes:
    quarter = quarter_parse(quarterly_return.quarter)
    return return_workbook_bytes(
        template=template,
        document={
            "programme": quarterly_return.programme.name,
            "quarter_label": f"{quarter.label} ({quarter.months})",
            "status_line": _status_line(quarterly_return),
            "answers": answers,
            "figures": quarterly_return.figures,
            "checks": quarterly_return.checks,
        },
    )


def _refresh(quarterly_return: QuarterlyReturn, template: ReturnTemplate) -> None:
    """Re-run the checks and redraw the draft's workbook from its answers and figures (no save)."""
    answers = _answers(quarterly_return)
    quarterly_return.checks = return_checks(template=template, answers=answers, figures=quarterly_return.figures)
    quarterly_return.workbook = _render(quarterly_return, template, answers)
    quarterly_return.sha256 = hashlib.sha256(quarterly_return.workbook).hexdigest()


def _template_of(quarterly_return: QuarterlyReturn) -> ReturnTemplate:
    start_year = int(quarterly_return.template_year[:4])
    template = template_for(start_year, quarter_parse(quarterly_return.quarter).number)
    if template is None:
        raise ValidationError(no_template_message(start_year))
    return template


# --- Build ---------------------------------------------------------------------------------------


def _draft_get_or_create(*, programme: Programme, quarter: Quarter, template: ReturnTemplate, by) -> QuarterlyReturn:
    """The quarter's draft, created if there is none. Safe against a concurrent build: the partial unique
    constraint lets only one draft exist, and the loser of a race reads the winner's."""
    draft = (
        QuarterlyReturn.objects.select_for_update()
        .filter(programme=programme, quarter=quarter.code, status=ReturnStatus.DRAFT)
        .first()
    )
    if draft is not None:
        return draft
    latest = QuarterlyReturn.objects.filter(programme=programme, quarter=quarter.code).order_by("-revision").first()
    if latest is not None:
        # Only a signed-off version can be latest here: changing it is a correction, with a reason.
        raise ValidationError(
            f"{quarter.label} is signed off (version {latest.revision}): to change it, start a correction "
            "with a reason."
        )
    try:
        with transaction.atomic():  # a savepoint, so a lost race leaves the outer transaction usable
            return audited_save(
                QuarterlyReturn(
                    programme=programme, quarter=quarter.code, revision=1, template_year=template.slug, built_by=by
                ),
                by=by,
                reason="Draft created",
            )
    except (IntegrityError, ValidationError) as exc:
        # full_clean() may see the other draft first (ValidationError); the database is the last word.
        draft = (
            QuarterlyReturn.objects.select_for_update()
            .filter(programme=programme, quarter=quarter.code, status=ReturnStatus.DRAFT)
            .first()
        )
        if draft is None:
            raise exc
        return draft


def _prefill(question, facts: dict) -> tuple[str, str]:
    fact = facts.get(question.prefill) if question.prefill else None
    if isinstance(fact, dict):
        return fact.get("value") or "", fact.get("commentary") or ""
    return (fact or ""), ""


def _answers_sync(quarterly_return: QuarterlyReturn, template: ReturnTemplate, facts: dict, figures: dict, by):
    """Create missing answers and re-fill those nobody edited; keep what people changed. Bulk, one pass."""
    existing = {a.code: a for a in quarterly_return.answers.all()}
    create, update = [], []
    wanted: list[tuple[str, str, str, bool]] = []  # code, value, commentary, editable
    for _sheet, question in template.questions():
        if question.heading:
            continue
        value, commentary = _prefill(question, facts)
        wanted.append((question.code, value, commentary, question.editable))
    for _sheet, table in template.tables():
        if table.row_commentary:
            for row in (figures.get(table.source) or {}).get("rows") or []:
                wanted.append((f"{table.source}.{row['key']}", "", row.get("note") or "", True))
    for order, (code, value, commentary, editable) in enumerate(wanted, start=1):
        answer = existing.get(code)
        if answer is None:
            create.append(
                ReturnAnswer(
                    quarterly_return=quarterly_return, code=code, value=value, commentary=commentary, order=order
                )
            )
        elif (not answer.edited or not editable) and (answer.value, answer.commentary, answer.order) != (
            value,
            commentary,
            order,
        ):
            answer.value, answer.commentary, answer.order = value, commentary, order
            answer.version += 1
            update.append(answer)
    # Bulk writes skip the per-row history: a rebuild is recorded once, on the return itself ("Rebuilt").
    ReturnAnswer.objects.bulk_create(create, batch_size=1000)
    if update:
        ReturnAnswer.objects.bulk_update(update, ["value", "commentary", "order", "version"], batch_size=1000)


def quarterly_return_build(
    *, programme: Programme, quarter, by=None, progress: Callable[[str], None] | None = None
) -> QuarterlyReturn:
    """Create the quarter's draft, or refresh it, from live data. Never makes a second draft."""
    progress = progress or (lambda step: None)
    q, template = return_quarter_check(programme=programme, quarter=quarter)
    with transaction.atomic():
        # Builds of one programme queue here, one at a time (the constraint still stands behind it). The
        # data is read only once the lock is held, so the last build to finish is built from the latest data.
        Programme.objects.select_for_update().filter(pk=programme.pk).order_by().first()
        draft = _draft_get_or_create(programme=programme, quarter=q, template=template, by=by)
        progress("Reading the schemes, money and metrics")
        facts, figures = selectors.return_source_data(programme=programme, quarter=q, template=template, by=by)
        progress("Drafting the answers and writing the workbook")
        draft.template_year = template.slug
        draft.facts, draft.figures = facts, figures
        _answers_sync(draft, template, facts, figures, by)
        draft.built_at, draft.built_by = timezone.now(), by
        _refresh(draft, template)
        bump_version(draft)
        audited_save(draft, by=by, reason="Rebuilt from live data" if draft.version > 2 else "Built from live data")
    return draft


# --- Edits ---------------------------------------------------------------------------------------


def signed_off_message(quarterly_return: QuarterlyReturn) -> str:
    return (
        f"Version {quarterly_return.revision} of {quarterly_return.quarter} is signed off and cannot change: start "
        "a correction (a new version, with a reason) instead."
    )


def _locked_draft(quarterly_return: QuarterlyReturn) -> QuarterlyReturn:
    locked = QuarterlyReturn.objects.select_for_update().select_related("programme").get(pk=quarterly_return.pk)
    if locked.status != ReturnStatus.DRAFT:
        raise ValidationError(signed_off_message(locked))
    return locked


def answer_question(answer: ReturnAnswer):
    """(question, table) the answer belongs to in its return's template: one of them is None."""
    template = _template_of(answer.quarterly_return)
    question = template.question(answer.code)
    if question is not None:
        return question, None
    source = answer.code.split(".", 1)[0]
    table = next((t for _, t in template.tables() if t.source == source and t.row_commentary), None)
    return None, table


@transaction.atomic
def return_answer_update(
    *, answer: ReturnAnswer, value: str = "", commentary: str = "", by=None, expected_version: int | None = None
) -> ReturnAnswer:
    """Change one answer of a draft (its answer and commentary); refused on a signed-off version or a stale form."""
    draft = _locked_draft(answer.quarterly_return)
    answer = ReturnAnswer.objects.select_for_update().get(pk=answer.pk)
    answer.quarterly_return = draft
    check_version(answer, expected_version)
    question, table = answer_question(answer)
    # NUL cannot be stored (PostgreSQL refuses it) nor written to a workbook: it is dropped.
    value, commentary = ((text or "").replace("\x00", "").strip() for text in (value, commentary))
    if question is None and table is None:
        raise ValidationError("This answer is not part of the return's template.")
    if question is not None and not question.editable:
        raise ValidationError({"value": f"“{question.text}” is filled in by the system."})
    if table is not None:
        value = ""  # a table row has commentary only
    elif question.choices and value and value not in question.choices:
        raise ValidationError({"value": f"Choose one of: {', '.join(question.choices)}."})
    elif question.code == "cover.email" and value:
        try:
            validate_email(value)
        except ValidationError:
            raise ValidationError({"value": f"“{value}” is not an email address."}) from None
    for name, text in (("value", value), ("commentary", commentary)):
        if len(text) > MAX_ANSWER:
            raise ValidationError({name: f"Keep it under {MAX_ANSWER:,} characters (it has {len(text):,})."})
    if (answer.value, answer.commentary) == (value, commentary):
        return answer
    answer.value, answer.commentary, answer.edited = value, commentary, True
    bump_version(answer)
    audited_save(answer, by=by, reason="Answer edited")
    _refresh(draft, _template_of(draft))
    bump_version(draft)
    audited_save(draft, by=by, reason=f"Answer {answer.code} edited")
    return answer


@transaction.atomic
def quarterly_return_sign_off(
    *, quarterly_return: QuarterlyReturn, on_behalf_of: str, by, expected_version: int | None = None
) -> QuarterlyReturn:
    """Sign off a draft on behalf of a board: refused while a check fails. Its workbook is then kept as signed."""
    draft = _locked_draft(quarterly_return)
    check_version(draft, expected_version)
    on_behalf_of = (on_behalf_of or "").strip()
    if not on_behalf_of:
        raise ValidationError({"on_behalf_of": "Say on behalf of which board it is signed off."})
    quarter = quarter_parse(draft.quarter)
    if quarter.ends_on >= timezone.localdate():
        raise ValidationError(
            f"{quarter.label} ends on {quarter.ends_on:%d/%m/%Y}: its return can be signed off once the quarter "
            "has ended."
        )
    template = _template_of(draft)
    answers = _answers(draft)
    draft.checks = return_checks(template=template, answers=answers, figures=draft.figures)
    problems = failed(draft.checks)
    if problems:
        listed = "; ".join(f"{c['sheet']}: {c['item']}: {c['message']}" for c in problems)
        raise ValidationError(f"Not signed off: {len(problems)} check(s) failed. {listed}")
    now = timezone.now()
    signed = f"{by} on behalf of {on_behalf_of}, {timezone.localtime(now):%d/%m/%Y}"
    answers["cover.sign_off"] = {"value": signed, "commentary": ""}
    # Written while the return is still stored as a draft: once signed off, the model refuses any change.
    sign_off_answer = ReturnAnswer.objects.select_for_update().filter(quarterly_return=draft, code="cover.sign_off")
    for answer in sign_off_answer:
        answer.value = signed
        bump_version(answer)
        audited_save(answer, by=by, reason="Signed off")
    _condition_answers_record(draft, template, answers, by)
    draft.status = ReturnStatus.SIGNED_OFF
    draft.signed_off_by, draft.signed_off_at, draft.on_behalf_of = by, now, on_behalf_of
    draft.workbook = _render(draft, template, answers)
    draft.sha256 = hashlib.sha256(draft.workbook).hexdigest()
    bump_version(draft)
    return audited_save(draft, by=by, reason=f"Signed off on behalf of {on_behalf_of}")


# --- National-condition answers (read by the highlight report) --------------------------------


@transaction.atomic
def national_condition_answer_record(
    *,
    programme,
    quarter: str,
    code: str,
    text: str,
    answer: str = "",
    parent_code: str = "",
    commentary: str = "",
    order: int = 0,
    by=None,
    reason: str = "",
) -> NationalConditionAnswer:
    """Record a programme's answer to one national condition for a quarter (Yes / No / No - In Progress).

    A quarter's answer already recorded is updated (a corrected return), audited with `reason`; unchanged
    answers are left alone."""
    if answer and answer not in ConditionAnswer.values:
        raise ValidationError({"answer": "Answer Yes, No or No - In Progress."})
    fields = {"text": text, "answer": answer, "parent_code": parent_code, "commentary": commentary, "order": order}
    row = (
        NationalConditionAnswer.objects.select_for_update()
        .filter(programme=programme, quarter=quarter, code=code)
        .first()
    )
    if row is None:
        return audited_save(NationalConditionAnswer(programme=programme, quarter=quarter, code=code, **fields), by=by)
    if all(getattr(row, name) == value for name, value in fields.items()):
        return row
    for name, value in fields.items():
        setattr(row, name, value)
    bump_version(row)
    return audited_save(row, by=by, reason=reason)


def _condition_answers_record(draft: QuarterlyReturn, template: ReturnTemplate, answers: dict, by) -> None:
    """Record the signed-off national-condition answers for the quarter, as the highlight report's "latest
    submission" reads them (NationalConditionAnswer), headings included so it prints them."""
    heading = ""
    questions = [question for _sheet, question in template.questions() if question.code.startswith("nc.")]
    for order, question in enumerate(questions):
        code = question.code[3:]
        if question.heading:
            heading = code
        # A heading's sub-questions are numbered after it in roman numerals: 4i, 4ii, 4iii under 4.
        parent = heading if heading and re.fullmatch(rf"{re.escape(heading)}[ivx]+", code) else ""
        answer = answers.get(question.code) or {}
        national_condition_answer_record(
            programme=draft.programme,
            quarter=draft.quarter,
            code=code,
            text=question.text,
            answer="" if question.heading else answer.get("value") or "",
            commentary="" if question.heading else answer.get("commentary") or "",
            parent_code=parent,
            order=order,
            by=by,
            reason=f"The {draft.quarter} return signed off (version {draft.revision})",
        )


@transaction.atomic
def quarterly_return_correct(*, programme: Programme, quarter, reason: str, by=None) -> QuarterlyReturn:
    """Start a correction: the next version, a draft carrying the signed version's answers, then rebuilt."""
    q, template = return_quarter_check(programme=programme, quarter=quarter)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Say why the signed-off return needs correcting."})
    Programme.objects.select_for_update().filter(pk=programme.pk).order_by().first()
    versions = QuarterlyReturn.objects.filter(programme=programme, quarter=q.code).order_by("-revision")
    latest = versions.first()
    if latest is None:
        raise ValidationError(f"{q.label} has no signed-off return to correct: build it instead.")
    if latest.status == ReturnStatus.DRAFT:
        raise ValidationError(
            f"{q.label} already has a draft (version {latest.revision}): change that, or sign it off first."
        )
    draft = audited_save(
        QuarterlyReturn(
            programme=programme,
            quarter=q.code,
            revision=latest.revision + 1,
            template_year=template.slug,
            corrects=latest,
            correction_reason=reason,
            facts=latest.facts,
            figures=latest.figures,
            built_by=by,
        ),
        by=by,
        reason=f"Correction of version {latest.revision}: {reason}",
    )
    ReturnAnswer.objects.bulk_create(
        ReturnAnswer(
            quarterly_return=draft,
            code=a.code,
            value="" if a.code == "cover.sign_off" else a.value,
            commentary=a.commentary,
            edited=a.edited,
            order=a.order,
        )
        for a in latest.answers.all()
    )
    return quarterly_return_build(programme=programme, quarter=q, by=by)


# --- Jobs (core.jobs) ------------------------------------------------------------------------------

RETURN_JOB = jobs.JobKind(
    name="quarterly_return",
    task_name="returns.tasks.build_quarterly_return",
    time_limit=180,
    queue_unavailable=QUEUE_UNAVAILABLE,
)
STALE_JOB = jobs.STALE_JOB


def return_job_queue(*, programme: Programme, quarter, by=None, scheduled: bool = False) -> BackgroundJob:
    """Queue a build of the quarter's return once this transaction commits; the job row shows how it goes.

    A job already queued or running for the quarter (and not stale) is returned instead of queueing another.
    A signed-off quarter with no draft is refused at once: changing it is a correction.
    Raises QueueUnavailable (after commit) when the broker cannot be reached.
    """
    q, _template = return_quarter_check(programme=programme, quarter=quarter)
    with transaction.atomic():
        # One request at a time per programme, so two quick clicks cannot both find no job and queue two.
        Programme.objects.select_for_update().filter(pk=programme.pk).order_by().first()
        latest = (
            QuarterlyReturn.objects.filter(programme=programme, quarter=q.code)
            .order_by("-revision")
            .only("status", "revision")
            .first()
        )
        if latest is not None and latest.status == ReturnStatus.SIGNED_OFF:
            # Said now, not after a trip through the queue: the build would refuse it all the same.
            raise ValidationError(
                f"{q.label} is signed off (version {latest.revision}): to change it, start a correction with a reason."
            )
        return_jobs_stale_fail(programme=programme)
        active = selectors.job_active(programme=programme, quarter=q)
        if active is not None:
            return active
        job = jobs.job_create(kind=RETURN_JOB, programme=programme, subject=q.code, by=by, scheduled=scheduled)
        transaction.on_commit(lambda: _publish(job))
    return job


def _publish(job: BackgroundJob) -> None:
    if not jobs.job_publish(job, kind=RETURN_JOB):
        raise QueueUnavailable(QUEUE_UNAVAILABLE)


def return_job_run(*, job_id: int, final_attempt: bool = True) -> BackgroundJob | None:
    """What the Celery task does: build the job's return, recording each step on the job."""

    def work(job: BackgroundJob, progress) -> None:
        draft = quarterly_return_build(
            programme=job.programme, quarter=job.subject, by=job.requested_by, progress=progress
        )
        jobs.job_done(
            job_id=job.pk, step=f"Draft version {draft.revision} built", result={"quarterly_return": draft.pk}
        )

    return jobs.job_run(job_id=job_id, work=work, final_attempt=final_attempt)


def return_job_run_here(*, programme: Programme, quarter) -> BackgroundJob | None:
    """With the queue down, Build draft builds in the request instead: the job that could not be queued is run
    here, so the page's progress panel ends as done (not as "queue unavailable") and the draft is the same."""
    q = quarter if isinstance(quarter, Quarter) else quarter_parse(quarter)
    job = selectors.job_latest(programme=programme, quarter=q)
    if job is None or job.state != JobState.FAILED:
        return job
    return return_job_run(job_id=job.pk)


def return_jobs_stale_fail(*, programme: Programme | None = None) -> int:
    """Return builds whose worker went quiet are failed (core.jobs.jobs_stale_fail)."""
    return jobs.jobs_stale_fail(kind=RETURN_JOB, programme=programme)


def return_job_refresh(*, job: BackgroundJob | None) -> BackgroundJob | None:
    """The job as a page shows it: failed as stale if its worker went quiet."""
    return jobs.job_refresh(job=job, kind=RETURN_JOB)


def returns_due(*, today: dt.date) -> list[tuple[Programme, Quarter]]:
    """Quarters that ended at least RETURN_DRAFT_DAYS_AFTER_QUARTER days ago, within a programme's dates and
    with a template, that have no return (draft or signed) and no job under way yet. Only programmes with schemes
    are due returns: a fund's own programme (the Transformation Fund's, the 2016/17 budgets') has no BCF plan to
    report on, so no BCF quarterly return is drafted for it."""
    days = settings.RETURN_DRAFT_DAYS_AFTER_QUARTER
    return_jobs_stale_fail()
    have = set(QuarterlyReturn.objects.values_list("programme_id", "quarter"))
    busy = set(
        BackgroundJob.objects.filter(kind=RETURN_JOB.name, state__in=[JobState.QUEUED, JobState.RUNNING]).values_list(
            "programme_id", "subject"
        )
    )
    due = []
    with_schemes = Programme.objects.filter(Exists(Scheme.objects.filter(programme=OuterRef("pk"))))
    for programme in with_schemes.order_by("start_date", "pk"):
        for q in quarters_between(programme.start_date, min(programme.end_date, today)):
            if q.ends_on + dt.timedelta(days=days) > today or template_for(q.start_year, q.number) is None:
                continue
            if (programme.pk, q.code) in have or (programme.pk, q.code) in busy:
                continue
            due.append((programme, q))
    return due


def returns_due_queue(*, today: dt.date | None = None) -> list[BackgroundJob]:
    """The daily schedule: queue a build for every return that is due (see returns_due)."""
    today = today or timezone.localdate()
    jobs = []
    for programme, q in returns_due(today=today):
        try:
            jobs.append(return_job_queue(programme=programme, quarter=q, scheduled=True))
        except QueueUnavailable:
            logger.error("Return %s %s not queued: the job queue is unavailable", programme.slug, q.code)
        except ValidationError as exc:  # a refusal for one quarter must not stop the others
            logger.error("Return %s %s not queued: %s", programme.slug, q.code, " ".join(exc.messages))
    return jobs


# --- Reminders -----------------------------------------------------------------------------------


def _missing_updates(period: ReportingPeriod, today: dt.date) -> list[tuple[Scheme, list]]:
    """Active schemes of the period's programme whose update is not submitted, with their current leads."""
    schemes = (
        Scheme.objects.filter(programme_id=period.programme_id, status=SchemeStatus.ACTIVE)
        .prefetch_related(Prefetch("leads", queryset=SchemeLead.objects.select_related("user")))
        .order_by(natural_order("ref_key"), "name")
    )
    submitted = set(period.scheme_updates.filter(status__in=LOCKED_FOR_LEAD).values_list("scheme_id", flat=True))
    return [
        (scheme, [lead.user for lead in scheme.leads.all() if lead.is_current(today)])
        for scheme in schemes
        if scheme.pk not in submitted
    ]


def _send_once(period: ReportingPeriod, kind: str, recipient: str, subject: str, body: str, schemes: str) -> str:
    """Send one reminder unless it was sent before: "sent", "before" or "failed". The row is written first, so
    two runs cannot both send; a failed send takes its row with it, so the next run tries again."""
    try:
        with transaction.atomic():
            UpdateReminder.objects.create(period=period, kind=kind, recipient=recipient, schemes=schemes)
            send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [recipient])
    except IntegrityError:
        return "before"
    except Exception:  # an SMTP refusal, OSError…: one bad address must not stop the others
        logger.exception("Reminder (%s) for %s to %s not sent: tried again on the next run", kind, period, recipient)
        return "failed"
    return "sent"


def update_reminders_send(*, today: dt.date | None = None) -> dict:
    """Email each project lead whose period update is missing, REMINDER_DAYS_BEFORE_STEERING days (or fewer)
    before the steering group meets, and the programme office a summary. Each email is sent once; one that
    fails is logged, counted under "failed" and tried again on the next run, and the others still go."""

    today = today or timezone.localdate()
    horizon = today + dt.timedelta(days=settings.REMINDER_DAYS_BEFORE_STEERING)
    periods = ReportingPeriod.objects.filter(
        is_closed=False, steering_group_date__gte=today, steering_group_date__lte=horizon
    ).select_related("programme")
    sent = {"leads": 0, "summaries": 0, "failed": 0}
    for period in periods:
        missing = _missing_updates(period, today)
        if not missing:
            continue
        # The summary goes to who holds the programme office role on this programme that day (a membership),
        # never another partnership's office nor someone whose membership has ended.
        office_people = people_with_role(Role.PROGRAMME_OFFICE, programme=period.programme, on=today)
        office = list(dict.fromkeys(office_people.exclude(email="").values_list("email", flat=True)))
        office += [e for e in period.programme.reminder_summary_addresses if e not in office]
        meeting = f"{period.steering_group_date:%d/%m/%Y}"
        # A lead who no longer holds a role on the programme cannot sign in to update it: they are not sent its
        # schemes, and the office is told the scheme needs a new lead.
        members = member_ids(programme=period.programme, on=today)
        by_lead: dict = {}
        no_email, no_lead, not_members = [], [], []
        for scheme, leads in missing:
            if not leads:
                no_lead.append(str(scheme))
            for lead in leads:
                if lead.pk not in members:
                    not_members.append(f"{scheme} ({lead})")
                elif lead.email:
                    by_lead.setdefault(lead, []).append(str(scheme))
                else:
                    no_email.append(f"{scheme} ({lead})")
        for lead, schemes in by_lead.items():
            listed = "\n".join(f"- {s}" for s in schemes)
            body = (
                f"Dear {lead.first_name or lead},\n\nThe steering group meets on {meeting}. Your update for the "
                f"reporting period {period} is not yet submitted for:\n\n{listed}\n\nPlease bring the milestones "
                "and RAG up to date, add a progress comment and submit the update on each scheme's page.\n\n"
                f"{period.programme.name} programme office"
            )
            outcome = _send_once(
                period,
                ReminderKind.LEAD,
                lead.email,
                f"Update needed before the steering group on {meeting}",
                body,
                "; ".join(schemes),
            )
            sent["leads"] += outcome == "sent"
            sent["failed"] += outcome == "failed"
        lines = [f"- {scheme}: {', '.join(str(u) for u in leads) or 'no current lead'}" for scheme, leads in missing]
        body = (
            f"Updates for {period} not yet submitted, {len(missing)} scheme(s), before the steering group on "
            f"{meeting}:\n\n" + "\n".join(lines)
        )
        if no_email:
            body += "\n\nLeads with no email address (not reminded): " + "; ".join(no_email)
        if no_lead:
            body += "\n\nSchemes with no current lead: " + "; ".join(no_lead)
        if not_members:
            body += "\n\nLeads who no longer hold a role on the programme (not reminded): " + "; ".join(not_members)
        for address in office:
            outcome = _send_once(
                period,
                ReminderKind.SUMMARY,
                address,
                f"{len(missing)} period update(s) missing before the steering group on {meeting}",
                body,
                "; ".join(str(s) for s, _ in missing),
            )
            sent["summaries"] += outcome == "sent"
            sent["failed"] += outcome == "failed"
    return sent


def current_quarter(today: dt.date | None = None) -> Quarter:
    return quarter_of(today or timezone.localdate())
