"""The Better Care Fund in 2016/17: the 2015/16 return plus a High Impact Change Model self-assessment sheet.

Adding a sheet is declaring it: nothing in the builder or the renderer changes. The HIC sheet is a
question sheet whose answers are a maturity drop-down, with commentary.
"""

from dataclasses import replace

from policy.returns import Question, QuestionSheet
from policy.years import y2015_16

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


YEAR = replace(
    y2015_16.YEAR,
    start_year=2016,
    name="Better Care Fund 2016 to 2017",
    source="As 2015/16, with the High Impact Change Model; Better Care Fund policy framework 2016 to 2017",
    # The Social Care Capital Grant ended in 2016/17; the Disabled Facilities Grant grew in its place.
    funding_sources=tuple(s for s in y2015_16.YEAR.funding_sources if s.code != "social_care_capital"),
    notes=(
        "The return asks the 2015/16 conditions (as it always has); the 2016/17 framework also named agreements to "
        "invest in NHS-commissioned out-of-hospital services and a local plan to reduce delayed transfers of care: "
        "add them here, with their questions, before relying on this year's return.",
    ),
    returns=(TEMPLATE,),
)
