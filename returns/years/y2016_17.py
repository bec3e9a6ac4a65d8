"""2016/17: the 2015/16 return plus a High Impact Change Model self-assessment sheet.

Adding a sheet is declaring it: nothing in the builder or the renderer changes. The HIC sheet is a
question sheet whose answers are a maturity drop-down, with commentary.
"""

from dataclasses import replace

from returns.years import y2015_16
from returns.years.spec import Question, QuestionSheet

MATURITY = ("Not yet established", "Plans in place", "Established", "Mature", "Exemplary")

HIGH_IMPACT_CHANGES = (
    ("hic.1", "Early discharge planning"),
    ("hic.2", "Systems to monitor patient flow"),
    ("hic.3", "Multi-disciplinary / multi-agency discharge teams"),
    ("hic.4", "Home first / discharge to assess"),
    ("hic.5", "Seven-day services"),
    ("hic.6", "Trusted assessors"),
    ("hic.7", "Focus on choice"),
    ("hic.8", "Enhancing health in care homes"),
)

HIGH_IMPACT_CHANGE_MODEL = QuestionSheet(
    title="High Impact Change Model",
    heading="High Impact Change Model: self-assessment",
    intro="How mature is each change in the partnership? Choose a level and say what is planned next.",
    answer_header="Maturity",
    questions=tuple(
        Question(code, text, number=f"Chg {i}", choices=MATURITY, commentary=True)
        for i, (code, text) in enumerate(HIGH_IMPACT_CHANGES, start=1)
    ),
)

# The sheet goes before the narrative, as the published templates place it.
_sheets = list(y2015_16.TEMPLATE.sheets)
_sheets.insert(_sheets.index(y2015_16.NARRATIVE), HIGH_IMPACT_CHANGE_MODEL)

TEMPLATE = replace(
    y2015_16.TEMPLATE,
    start_year=2016,
    name="BCF quarterly data collection 2016/17",
    sheets=tuple(_sheets),
    source="2015/16 template plus the High Impact Change Model self-assessment",
)
