"""Review, sign-off and correction: the rules the services keep whoever calls them."""

import datetime as dt
import hashlib

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from core.exceptions import StaleEdit
from returns import services
from returns.models import QuarterlyReturn, ReturnAnswer
from tests.factories.accounts import PartnershipFactory
from tests.factories.returns import return_complete


@pytest.fixture
def draft(programme, pmo):
    return services.quarterly_return_build(programme=programme, quarter="2015-16-Q1", by=pmo)


def _sign(draft, pmo):
    draft = return_complete(draft, by=pmo)
    return services.quarterly_return_sign_off(
        quarterly_return=draft,
        on_behalf_of="Trafford Health and Wellbeing Board",
        by=pmo,
        expected_version=draft.version,
    )


def test_sign_off_is_refused_while_checks_fail_and_lists_them(draft, pmo):
    before = (draft.version, draft.sha256)
    with pytest.raises(ValidationError) as refused:
        services.quarterly_return_sign_off(
            quarterly_return=draft, on_behalf_of="Trafford HWB", by=pmo, expected_version=draft.version
        )
    message = " ".join(refused.value.messages)
    assert message.startswith(f"Not signed off: {len(draft.failed_checks)} check(s) failed.")
    assert "Cover: E-mail: Answer it." in message
    assert "National Conditions: 3) Are the 7 day services" in message
    assert "Explain the answer “No - In Progress” in the commentary." in message
    draft.refresh_from_db()
    assert (draft.status, draft.version, draft.sha256) == ("draft", *before)
    assert draft.signed_off_by is None


def test_sign_off_keeps_the_workbook_with_its_sha256_and_who_when_for_which_board(draft, pmo):
    signed = _sign(draft, pmo)
    signed.refresh_from_db()
    assert signed.status == "signed_off"
    assert signed.signed_off_by == pmo and signed.signed_off_at is not None
    assert signed.on_behalf_of == "Trafford Health and Wellbeing Board"
    assert hashlib.sha256(bytes(signed.workbook)).hexdigest() == signed.sha256
    from tests.returns.helpers import workbook

    cover = workbook(signed.workbook)["Cover"]
    values = [c.value for row in cover.iter_rows() for c in row if isinstance(c.value, str)]
    assert any(v.startswith("Programme Office on behalf of Trafford Health and Wellbeing Board") for v in values)
    assert any("signed off by Programme Office" in v for v in values)


def test_a_signed_off_return_cannot_be_edited_and_its_bytes_never_change(draft, pmo):
    signed = _sign(draft, pmo)
    before = (bytes(signed.workbook), signed.sha256, signed.version)
    answer = signed.answers.get(code="nc.1")
    with pytest.raises(ValidationError, match="is signed off and cannot change: start a correction"):
        services.return_answer_update(
            answer=answer, value="No", commentary="x", by=pmo, expected_version=answer.version
        )
    with pytest.raises(ValidationError, match="signed off"):
        services.quarterly_return_sign_off(quarterly_return=signed, on_behalf_of="Another board", by=pmo)
    with pytest.raises(ValidationError, match="is signed off \\(version 1\\): to change it, start a correction"):
        services.quarterly_return_build(programme=signed.programme, quarter="2015-16-Q1", by=pmo)
    signed.refresh_from_db()
    answer.refresh_from_db()
    assert (bytes(signed.workbook), signed.sha256, signed.version) == before
    assert answer.value == "Yes"


def test_the_database_refuses_a_signed_off_return_without_its_bytes_and_hash(draft, pmo):
    with pytest.raises(IntegrityError), transaction.atomic():
        QuarterlyReturn.objects.filter(pk=draft.pk).update(status="signed_off")


def test_a_correction_is_a_new_draft_version_with_a_reason_and_the_signed_one_stays(draft, pmo):
    signed = _sign(draft, pmo)
    signed_bytes = bytes(signed.workbook)
    with pytest.raises(ValidationError, match="Say why"):
        services.quarterly_return_correct(programme=signed.programme, quarter="2015-16-Q1", reason=" ", by=pmo)
    correction = services.quarterly_return_correct(
        programme=signed.programme, quarter="2015-16-Q1", reason="Q1 spend restated by the CCG", by=pmo
    )
    assert (correction.revision, correction.status, correction.corrects_id) == (2, "draft", signed.pk)
    assert correction.correction_reason == "Q1 spend restated by the CCG"
    # The answers people gave carry over; the sign-off line does not.
    assert correction.answers.get(code="cover.hwb").value == "Trafford"
    assert correction.answers.get(code="cover.sign_off").value == ""
    signed.refresh_from_db()
    assert bytes(signed.workbook) == signed_bytes and signed.status == "signed_off"
    with pytest.raises(ValidationError, match="already has a draft \\(version 2\\)"):
        services.quarterly_return_correct(programme=signed.programme, quarter="2015-16-Q1", reason="again", by=pmo)
    second = services.quarterly_return_sign_off(
        quarterly_return=correction, on_behalf_of="Trafford Health and Wellbeing Board", by=pmo
    )
    assert list(
        QuarterlyReturn.objects.filter(quarter="2015-16-Q1").order_by("revision").values_list("revision", "status")
    ) == [(1, "signed_off"), (2, "signed_off")]
    assert second.sha256 != signed.sha256


def test_a_stale_answer_edit_is_refused_with_what_changed(draft, pmo, make_user):
    answer = draft.answers.get(code="nc.3")
    opened_at = answer.version
    services.return_answer_update(
        answer=answer,
        value="No - In Progress",
        commentary="Weekend discharge team from July.",
        by=pmo,
        expected_version=opened_at,
    )
    with pytest.raises(StaleEdit, match="Not saved: this record changed after you opened it"):
        services.return_answer_update(answer=answer, value="Yes", commentary="", by=pmo, expected_version=opened_at)
    answer.refresh_from_db()
    assert answer.commentary == "Weekend discharge team from July."


def test_an_answer_outside_the_drop_down_is_refused(draft, pmo):
    answer = draft.answers.get(code="nc.1")
    with pytest.raises(ValidationError, match="Choose one of: Yes, No, No - In Progress"):
        services.return_answer_update(answer=answer, value="Maybe", by=pmo, expected_version=answer.version)
    answer.refresh_from_db()
    assert answer.value == "Yes"


def test_edits_are_audited_with_who_and_why(draft, pmo):
    answer = draft.answers.get(code="cover.phone")
    services.return_answer_update(answer=answer, value="0161 912 2000", by=pmo, expected_version=answer.version)
    record = ReturnAnswer.history.filter(id=answer.pk).latest("history_date")
    assert (record.history_user, record.history_change_reason, record.value) == (pmo, "Answer edited", "0161 912 2000")
    assert draft.history.filter(history_change_reason="Answer cover.phone edited").exists()


@pytest.mark.parametrize(
    "quarter, message",
    [
        ("2015-16-Q5", "“2015-16-Q5” is not a quarter: write it like 2015-16-Q1"),
        ("2015/16 Q1", "is not a quarter"),
        ("2015-17-Q1", "is not a quarter"),
        (
            "2014-15-Q4",
            "2014/15 Q4 (January to March 2015) is before Trafford Better Care Fund 2015/16 starts on 01/04/2015",
        ),
        ("2016-17-Q1", "is after Trafford Better Care Fund 2015/16 ends on 31/03/2016"),
    ],
)
def test_bad_quarters_are_refused_with_a_clear_message_and_nothing_built(programme, pmo, quarter, message):
    with pytest.raises(ValidationError) as refused:
        services.quarterly_return_build(programme=programme, quarter=quarter, by=pmo)
    assert message in " ".join(refused.value.messages)
    assert not QuarterlyReturn.objects.exists()


def test_pre_fill_uses_the_latest_stored_answers_at_or_before_the_quarter(programme, pmo):
    from returns.services import national_condition_answer_record

    national_condition_answer_record(
        programme=programme, quarter="2015-16-Q2", code="3", text="7 day services", answer="Yes", by=pmo
    )
    q1 = services.quarterly_return_build(programme=programme, quarter="2015-16-Q1", by=pmo)
    q2 = services.quarterly_return_build(programme=programme, quarter="2015-16-Q2", by=pmo)
    assert q1.answers.get(code="nc.3").value == "No - In Progress"  # 2014-15-Q4's answer
    assert q2.answers.get(code="nc.3").value == "Yes"  # its own quarter's
    assert q2.answers.get(code="nc.5").value == "No - In Progress"  # still the latest for condition 5


def test_cover_answers_carry_forward_from_the_previous_quarter(draft, pmo):
    answer = draft.answers.get(code="cover.phone")
    services.return_answer_update(answer=answer, value="0161 912 2000", by=pmo, expected_version=answer.version)
    q2 = services.quarterly_return_build(programme=draft.programme, quarter="2015-16-Q2", by=pmo)
    assert q2.answers.get(code="cover.phone").value == "0161 912 2000"
    assert q2.answers.get(code="cover.hwb").value == "Trafford"  # the programme's own


def test_date_helpers():
    from core.quarters import Quarter, quarter_of, quarter_parse, quarters_between

    q = quarter_parse("2015-16-Q4")
    assert (q.starts_on, q.ends_on, q.label, q.months) == (
        dt.date(2016, 1, 1),
        dt.date(2016, 3, 31),
        "2015/16 Q4",
        "January to March 2016",
    )
    assert quarter_of(dt.date(2015, 6, 30)) == Quarter(2015, 1)
    assert [x.code for x in quarters_between(dt.date(2015, 4, 1), dt.date(2015, 10, 1))] == [
        "2015-16-Q1",
        "2015-16-Q2",
        "2015-16-Q3",
    ]


# --- National conditions carried forward and recorded ------------------------------------------


def _answer(quarterly_return, code, value, commentary, by):
    answer = quarterly_return.answers.get(code=code)
    services.return_answer_update(
        answer=answer, value=value, commentary=commentary, by=by, expected_version=answer.version
    )


def test_the_next_quarter_pre_fills_conditions_from_the_last_signed_off_return(draft, pmo):
    _answer(draft, "nc.3", "Yes", "Seven-day discharge team in place from June.", pmo)
    _answer(draft, "nc.5", "No", "The accountable professional role is not agreed.", pmo)
    _sign(draft, pmo)
    q2 = services.quarterly_return_build(programme=draft.programme, quarter="2015-16-Q2", by=pmo)
    assert (q2.answers.get(code="nc.3").value, q2.answers.get(code="nc.3").commentary) == (
        "Yes",
        "Seven-day discharge team in place from June.",
    )
    assert q2.answers.get(code="nc.5").value == "No"
    assert q2.answers.get(code="nc.1").value == "Yes"


def test_a_later_recorded_answer_wins_over_an_earlier_signed_off_return(draft, pmo):
    from returns.services import national_condition_answer_record

    _answer(draft, "nc.3", "Yes", "", pmo)
    _sign(draft, pmo)
    national_condition_answer_record(
        programme=draft.programme, quarter="2015-16-Q3", code="3", text="7 day services", answer="No", by=pmo
    )
    q3 = services.quarterly_return_build(programme=draft.programme, quarter="2015-16-Q3", by=pmo)
    assert q3.answers.get(code="nc.3").value == "No"  # recorded for Q3 itself, after Q1's sign-off
    q2 = services.quarterly_return_build(programme=draft.programme, quarter="2015-16-Q2", by=pmo)
    assert q2.answers.get(code="nc.3").value == "Yes"  # Q1 signed off; nothing recorded for Q2


def test_sign_off_records_the_answers_for_the_highlight_reports_latest_submission(draft, pmo):
    from returns.models import NationalConditionAnswer
    from returns.selectors import national_conditions_as_at

    _answer(draft, "nc.3", "Yes", "Seven-day discharge team in place from June.", pmo)
    _sign(draft, pmo)
    rows = list(
        NationalConditionAnswer.objects.filter(programme=draft.programme, quarter="2015-16-Q1").order_by("order")
    )
    assert [(r.code, r.parent_code, r.answer) for r in rows] == [
        ("1", "", "Yes"),
        ("2", "", "Yes"),
        ("3", "", "Yes"),
        ("4", "", ""),
        ("4i", "4", "No - In Progress"),
        ("4ii", "4", "Yes"),
        ("4iii", "4", "Yes"),
        ("5", "", "No - In Progress"),
        ("6", "", "Yes"),
    ]
    assert rows[2].commentary == "Seven-day discharge team in place from June."
    assert rows[2].history.latest().history_user == pmo
    latest = national_conditions_as_at(programme=draft.programme, as_of=dt.date(2015, 7, 31))
    assert latest["quarter"] == "2015-16-Q1" and latest["rows"][2]["answer"] == "Yes"


def test_a_signed_off_correction_updates_the_recorded_answers(draft, pmo):
    from returns.models import NationalConditionAnswer

    signed = _sign(draft, pmo)
    correction = services.quarterly_return_correct(
        programme=signed.programme, quarter="2015-16-Q1", reason="Condition 6 was not met", by=pmo
    )
    _answer(correction, "nc.6", "No", "The acute-sector agreement lapsed in May.", pmo)
    services.quarterly_return_sign_off(
        quarterly_return=correction, on_behalf_of="Trafford Health and Wellbeing Board", by=pmo
    )
    six = NationalConditionAnswer.objects.get(programme=draft.programme, quarter="2015-16-Q1", code="6")
    assert (six.answer, six.commentary) == ("No", "The acute-sector agreement lapsed in May.")
    assert NationalConditionAnswer.objects.filter(programme=draft.programme, quarter="2015-16-Q1").count() == 9


# --- Signed off means final, whatever the path -------------------------------------------------


def test_a_signed_off_return_and_its_answers_refuse_any_save(draft, pmo):
    signed = _sign(draft, pmo)
    signed.on_behalf_of = "Another board"
    with pytest.raises(ValueError, match="A signed-off return cannot be changed"):
        signed.save()
    answer = signed.answers.get(code="nc.1")
    answer.value = "No"
    with pytest.raises(ValueError, match="A signed-off return cannot be changed"):
        answer.save()
    with pytest.raises(ValueError, match="A signed-off return cannot be changed"):
        ReturnAnswer(quarterly_return=signed, code="nc.extra", value="x").save()
    signed.refresh_from_db()
    assert signed.on_behalf_of == "Trafford Health and Wellbeing Board"
    assert signed.answers.get(code="nc.1").value == "Yes"


def test_the_sign_off_answer_is_written_with_its_version_and_history(draft, pmo):
    before = draft.answers.get(code="cover.sign_off").version
    signed = _sign(draft, pmo)
    answer = signed.answers.get(code="cover.sign_off")
    assert answer.value.startswith("Programme Office on behalf of Trafford Health and Wellbeing Board")
    assert answer.version == before + 1
    record = answer.history.latest()
    assert (record.history_user, record.history_change_reason, record.value) == (pmo, "Signed off", answer.value)


# --- Which quarters, when -----------------------------------------------------------------------


@pytest.fixture
def this_year(pmo, monkeypatch):
    """A programme running from last year to next, so that 'now' falls inside it. A year is never borrowed, so the
    current year is given a return the way the README's recipe adds one (2025/26's, declared for this year)."""
    from dataclasses import replace

    import policy
    from policy.years import y2025_26
    from schemes import services as scheme_services

    today = dt.date.today()
    for start in (today.year - 1, today.year):
        returns = tuple(replace(t, start_year=start) for t in y2025_26.YEAR.returns)
        monkeypatch.setitem(policy.YEARS, start, replace(y2025_26.YEAR, start_year=start, returns=returns))
    return scheme_services.programme_create(
        slug="bcf-now",
        name="BCF now",
        partnership=PartnershipFactory(),
        start_date=dt.date(today.year - 1, 4, 1),
        end_date=dt.date(today.year + 2, 3, 31),
    )


def test_a_quarter_that_has_not_started_is_refused(this_year, pmo):
    from core.quarters import quarter_of

    now = quarter_of(dt.date.today())
    with pytest.raises(ValidationError) as refused:
        services.quarterly_return_build(programme=this_year, quarter=now.next(), by=pmo)
    assert (
        f"{now.next().label} ({now.next().months}) has not started yet: its return can be built from "
        f"{now.next().starts_on:%d/%m/%Y}." in refused.value.messages
    )
    with pytest.raises(ValidationError, match="has not started yet"):
        services.return_job_queue(programme=this_year, quarter=now.next(), by=pmo)
    assert not QuarterlyReturn.objects.exists()
    assert services.quarterly_return_build(programme=this_year, quarter=now, by=pmo).quarter == now.code


def test_sign_off_waits_until_the_quarter_has_ended(this_year, pmo):
    from core.quarters import quarter_of

    now = quarter_of(dt.date.today())
    current = services.quarterly_return_build(programme=this_year, quarter=now, by=pmo)
    with pytest.raises(ValidationError) as refused:
        services.quarterly_return_sign_off(quarterly_return=current, on_behalf_of="The board", by=pmo)
    assert refused.value.messages == [
        f"{now.label} ends on {now.ends_on:%d/%m/%Y}: its return can be signed off once the quarter has ended."
    ]
    current.refresh_from_db()
    assert current.status == "draft"


def test_build_now_on_a_signed_off_quarter_is_refused_at_once(draft, pmo):
    from core.models import BackgroundJob

    signed = _sign(draft, pmo)
    with pytest.raises(ValidationError, match="is signed off \\(version 1\\): to change it, start a correction"):
        services.return_job_queue(programme=signed.programme, quarter="2015-16-Q1", by=pmo)
    assert not BackgroundJob.objects.exists()


def test_cover_details_carry_forward_from_the_signed_off_version_not_a_correction_draft(draft, pmo):
    _answer(draft, "cover.phone", "0161 912 0000", "", pmo)
    signed = _sign(draft, pmo)
    correction = services.quarterly_return_correct(
        programme=signed.programme, quarter="2015-16-Q1", reason="Phone number to check", by=pmo
    )
    _answer(correction, "cover.phone", "not agreed yet", "", pmo)
    q2 = services.quarterly_return_build(programme=draft.programme, quarter="2015-16-Q2", by=pmo)
    assert q2.answers.get(code="cover.phone").value == "0161 912 0000"
