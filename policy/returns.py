"""The building blocks a year's return template is declared with. The builder and the renderer read these and
nothing else, so a new year (new questions, a new sheet) is declared in its policy year's module (policy/years/),
beside its national conditions and metrics, not in new code. Plain data: no Django.

- A `QuestionSheet` is a list of questions, one row each: answer (a drop-down when `choices` are given) and
  commentary. `prefill` names a fact the builder gathers from live data (see returns.selectors.FACTS).
- A `TableSheet` shows tables of figures the builder reads from the money and metrics records (`source`
  names one, see returns.selectors.TABLES), with totals, and optionally a commentary per row; it can end with
  questions of its own.
- The checklist sheet is drawn from the checks of every other sheet.
- A template covers the quarters it lists: a year may have an in-year return (Q1–Q3) and a year-end one (Q4).
"""

from dataclasses import dataclass, field

YES, NO, IN_PROGRESS = "Yes", "No", "No - In Progress"
YES_NO = (YES, NO)
YES_NO_IN_PROGRESS = (YES, NO, IN_PROGRESS)


@dataclass(frozen=True)
class Question:
    """One answer cell (and its commentary cell). `code` is unique in the template and stable across years."""

    code: str
    text: str
    number: str = ""  # as printed beside the question, e.g. "1)" or "i)"
    choices: tuple[str, ...] = ()  # a drop-down (Excel data validation) when given
    required: bool = True
    commentary: bool = False  # has a commentary cell
    commentary_required_for: tuple[str, ...] = ()  # answers that need commentary, e.g. No, No - In Progress
    prefill: str = ""  # a fact from live data; a person may change it unless `editable` is False
    editable: bool = True
    heading: bool = False  # a heading row with no answer, e.g. "4) In respect of data sharing - confirm that:"
    long_text: bool = False  # a paragraph rather than a short answer
    kind: str = "text"  # "date": a DD/MM/YYYY answer is written as a date cell
    hint: str = ""
    condition: str = ""  # the code of the policy year's national condition this question confirms


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    kind: str = "text"  # text, money, number, status
    total: bool = False  # summed in the total row (a live SUM formula, its value cached)
    sum_of: tuple[str, ...] = ()  # the row's sum of these columns (a live SUM formula across, value cached)
    input: bool = False  # a figure the submitter may enter or correct: validated as 0–100,000,000 in the workbook


@dataclass(frozen=True)
class Table:
    source: str  # which figures: returns.selectors.TABLES
    heading: str
    columns: tuple[Column, ...]
    totals: bool = False
    row_commentary: bool = False  # a commentary cell per row, kept as an answer "<source>.<row key>"
    commentary_required_when: tuple[str, tuple[str, ...]] | None = None  # (column key, values)
    when_empty: str = ""  # the code of a question that must say why, when the table has no rows
    # The code of a question that must say why, when a row has a figure not recorded (None): a blank is
    # not a zero, so it is left out of the totals and has to be explained.
    explain_missing: str = ""
    # (column key, values it must hold): a row holding anything else is a failed check that no answer can
    # fix, only the records (a pooled fund whose sources do not add up, an NHS minimum below the required
    # figure); it blocks sign-off until the figures are put right. The row's "message" says what is wrong.
    must_be: tuple[str, tuple[str, ...]] | None = None
    note: str = ""


@dataclass(frozen=True)
class QuestionSheet:
    title: str  # the sheet's name (at most 31 characters)
    heading: str
    questions: tuple[Question, ...]
    intro: str = ""
    answer_header: str = "Answer"


@dataclass(frozen=True)
class TableSheet:
    title: str
    heading: str
    tables: tuple[Table, ...]
    questions: tuple[Question, ...] = ()
    intro: str = ""
    answer_header: str = "Answer"


@dataclass(frozen=True)
class ChecklistSheet:
    title: str = "Checklist"
    heading: str = "Checklist"
    intro: str = (
        "Every cell the return needs, with a check: “No” (red) until it is complete, “Yes” (green) once it is. "
        "The return can be signed off only when every check says Yes."
    )


@dataclass(frozen=True)
class ReturnTemplate:
    """One financial year's quarterly return: its sheets in workbook order."""

    start_year: int  # 2015 for 2015/16
    name: str
    sheets: tuple = field(default_factory=tuple)
    source: str = ""
    quarters: tuple[int, ...] = (1, 2, 3, 4)  # the quarters this template is for (in-year 1–3, year-end 4)

    @property
    def year_label(self) -> str:
        return f"{self.start_year}/{(self.start_year + 1) % 100:02d}"

    @property
    def slug(self) -> str:
        return f"{self.start_year}-{(self.start_year + 1) % 100:02d}"

    def questions(self):
        """(sheet, question) for every question of every sheet, in order."""
        for sheet in self.sheets:
            for question in getattr(sheet, "questions", ()):
                yield sheet, question

    def tables(self):
        for sheet in self.sheets:
            for table in getattr(sheet, "tables", ()):
                yield sheet, table

    def question(self, code: str) -> Question | None:
        return next((q for _, q in self.questions() if q.code == code), None)
