"""The checks a return must pass before sign-off: pure (template, answers, figures in; checks out).

The same checks feed the checklist sheet, the return page and the sign-off refusal, so they cannot disagree.
Each check is a dict: code (the answer to fix), sheet, item, ok, message, and rule: what the workbook's checklist
formula tests ("question": the question's own rules on its answer and commentary cells; "filled": the cell is
not blank; "none": nothing to fill, always complete; "data": a check on the money records that no answer can
fix, written as the build found it).
"""

from policy.returns import ReturnTemplate


def _check(code: str, sheet: str, item: str, problem: str, rule: str = "filled") -> dict:
    return {"code": code, "sheet": sheet, "item": item, "ok": not problem, "message": problem, "rule": rule}


def _question_checks(sheet, question, answers: dict) -> list[dict]:
    if question.heading:
        return []
    answer = answers.get(question.code) or {}
    value = (answer.get("value") or "").strip()
    commentary = (answer.get("commentary") or "").strip()
    label = f"{question.number} {question.text}".strip()
    problem = ""
    if question.required and not value:
        problem = "Answer it" + (f": choose {', '.join(question.choices)}." if question.choices else ".")
    elif value and question.choices and value not in question.choices:
        problem = f"“{value}” is not one of the choices: {', '.join(question.choices)}."
    elif value in question.commentary_required_for and not commentary:
        problem = f"Explain the answer “{value}” in the commentary."
    if question.required or question.commentary_required_for or problem:
        return [_check(question.code, sheet.title, label, problem, rule="question")]
    return []


def _row_name(table, row: dict) -> str:
    """What a row is called: its last text column (the scheme, the contributor)."""
    texts = [c.key for c in table.columns if c.kind == "text"]
    return str(row.get(texts[-1]) if texts else row.get("key"))


def _table_checks(sheet, table, answers: dict, figures: dict) -> list[dict]:
    checks = []
    rows = (figures.get(table.source) or {}).get("rows") or []
    if table.when_empty:
        explained = ((answers.get(table.when_empty) or {}).get("value") or "").strip()
        problem = "" if rows or explained else "There are no figures: record them under Money, or say why here."
        rule = "none" if rows else "filled"
        checks.append(_check(table.when_empty, sheet.title, f"{table.heading}: figures", problem, rule=rule))
    if table.explain_missing:
        totalled = [c.key for c in table.columns if c.total]
        missing = [row for row in rows if any(row.get(key) is None for key in totalled)]
        if missing:
            explained = ((answers.get(table.explain_missing) or {}).get("value") or "").strip()
            names = "; ".join(_row_name(table, row) for row in missing)
            problem = "" if explained else f"Not recorded for {names}: record it under Money, or say why here."
            checks.append(_check(table.explain_missing, sheet.title, f"{table.heading}: not recorded", problem))
    if table.must_be:
        column, values = table.must_be
        if not rows:
            problem = "No figures recorded: record them under Money, then build the return again."
            checks.append(_check(table.source, sheet.title, table.heading, problem, rule="data"))
        for row in rows:
            value = row.get(column)
            problem = "" if value in values else (row.get("message") or f"{value}: put it right under Money.")
            checks.append(
                _check(
                    f"{table.source}.{row['key']}",
                    sheet.title,
                    f"{table.heading}: {_row_name(table, row)}",
                    problem,
                    rule="data",
                )
            )
    if table.row_commentary and table.commentary_required_when:
        column, values = table.commentary_required_when
        first = table.columns[0].key
        for row in rows:
            if row.get(column) not in values:
                continue
            code = f"{table.source}.{row['key']}"
            commentary = ((answers.get(code) or {}).get("commentary") or "").strip()
            problem = "" if commentary else f"{row.get(column)}: say why in the commentary."
            checks.append(_check(code, sheet.title, f"{row.get(first)}: commentary", problem))
    return checks


def return_checks(*, template: ReturnTemplate, answers: dict[str, dict], figures: dict) -> list[dict]:
    """Every required cell of the return, each with what is missing ('' when complete)."""
    checks = []
    for sheet in template.sheets:
        for table in getattr(sheet, "tables", ()):
            checks += _table_checks(sheet, table, answers, figures)
        for question in getattr(sheet, "questions", ()):
            checks += _question_checks(sheet, question, answers)
    return checks


def failed(checks: list[dict]) -> list[dict]:
    return [c for c in checks if not c["ok"]]
