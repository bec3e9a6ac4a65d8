"""The Better Care Fund in 2015/16: its national conditions, metrics and funding sources, and its quarterly
return as far as public copies of NHS England's template show it.

Return sheets: Checklist, Cover, Budget arrangements, National Conditions (seed 000 §2.7), Income and
Expenditure, Supporting Metrics (seed 000 §2.6) and Narrative. The national conditions' wording is the seed's,
spelling included ("Caldecott"); each question names the condition it confirms.
"""

from policy.returns import (
    YES_NO,
    YES_NO_IN_PROGRESS,
    ChecklistSheet,
    Column,
    Question,
    QuestionSheet,
    ReturnTemplate,
    Table,
    TableSheet,
)
from policy.spec import FundingSource, MetricDefinition, NationalCondition, PolicyYear

NEEDS_EXPLANATION = ("No", "No - In Progress")

COVER = QuestionSheet(
    title="Cover",
    heading="Better Care Fund quarterly data collection",
    intro="Who completed this return, and for which Health and Wellbeing Board and quarter.",
    questions=(
        Question("cover.hwb", "Health and Wellbeing Board", prefill="cover.hwb"),
        Question("cover.completed_by", "Completed by", prefill="cover.completed_by"),
        Question("cover.email", "E-mail", prefill="cover.email"),
        Question("cover.phone", "Contact number", required=False, prefill="cover.phone"),
        Question("cover.date", "Date completed", prefill="cover.date", hint="DD/MM/YYYY", kind="date"),
        Question("cover.quarter", "Quarter", prefill="quarter.label", editable=False),
        Question(
            "cover.sign_off",
            "Who has signed off the report on behalf of the Health and Wellbeing Board",
            prefill="sign_off",
            editable=False,
            required=False,
        ),
    ),
)

BUDGET = QuestionSheet(
    title="Budget arrangements",
    heading="Budget arrangements",
    questions=(
        Question(
            "budget.s75",
            "Have the funds been pooled via a section 75 pooled budget?",
            choices=YES_NO,
            commentary=True,
            commentary_required_for=("No",),
            prefill="budget.s75",
            hint="If No, say when the section 75 agreement is expected to be in place.",
        ),
    ),
)

NATIONAL_CONDITIONS = QuestionSheet(
    title="National Conditions",
    heading="National Conditions",
    intro=(
        "Is each national condition met? Select Yes, No or No - In Progress. For No or No - In Progress, say in "
        "the commentary why the condition was not met in the quarter and how it is being addressed."
    ),
    answer_header="Please Select (Yes, No or No - In Progress)",
    questions=(
        Question(
            "nc.1",
            "Are the plans still jointly agreed?",
            number="1)",
            choices=YES_NO_IN_PROGRESS,
            commentary=True,
            commentary_required_for=NEEDS_EXPLANATION,
            prefill="condition:1",
            condition="jointly_agreed",
        ),
        Question(
            "nc.2",
            "Are Social Care Services (not spending) being protected?",
            number="2)",
            choices=YES_NO_IN_PROGRESS,
            commentary=True,
            commentary_required_for=NEEDS_EXPLANATION,
            prefill="condition:2",
            condition="protect_social_care",
        ),
        Question(
            "nc.3",
            "Are the 7 day services to support patients being discharged and prevent unnecessary admission at "
            "weekends in place and delivering?",
            number="3)",
            choices=YES_NO_IN_PROGRESS,
            commentary=True,
            commentary_required_for=NEEDS_EXPLANATION,
            prefill="condition:3",
            condition="seven_day_services",
        ),
        Question("nc.4", "In respect of data sharing - confirm that:", number="4)", heading=True),
        Question(
            "nc.4i",
            "Is the NHS Number being used as the primary identifier for health and care services?",
            number="i)",
            choices=YES_NO_IN_PROGRESS,
            commentary=True,
            commentary_required_for=NEEDS_EXPLANATION,
            prefill="condition:4i",
            condition="nhs_number",
        ),
        Question(
            "nc.4ii",
            "Are you pursuing open APIs (i.e. systems that speak to each other)?",
            number="ii)",
            choices=YES_NO_IN_PROGRESS,
            commentary=True,
            commentary_required_for=NEEDS_EXPLANATION,
            prefill="condition:4ii",
            condition="open_apis",
        ),
        Question(
            "nc.4iii",
            "Are the appropriate Information Governance controls in place for information sharing in line with "
            "Caldecott",
            number="iii)",
            choices=YES_NO_IN_PROGRESS,
            commentary=True,
            commentary_required_for=NEEDS_EXPLANATION,
            prefill="condition:4iii",
            condition="information_governance",
        ),
        Question(
            "nc.5",
            "Is a joint approach to assessments and care planning taking place and where funding is being used "
            "for integrated packages of care, is there an accountable professional?",
            number="5)",
            choices=YES_NO_IN_PROGRESS,
            commentary=True,
            commentary_required_for=NEEDS_EXPLANATION,
            prefill="condition:5",
            condition="joint_assessment",
        ),
        Question(
            "nc.6",
            "Is an agreement on the consequential impact of changes in the acute sector in place?",
            number="6)",
            choices=YES_NO_IN_PROGRESS,
            commentary=True,
            commentary_required_for=NEEDS_EXPLANATION,
            prefill="condition:6",
            condition="acute_impact",
        ),
    ),
)

MONEY = (
    Column("fund", "Fund"),
    Column("scheme", "Scheme"),
    Column("planned_quarter", "Planned this quarter (£)", "money", total=True, input=True),
    Column("actual_quarter", "Actual this quarter (£)", "money", total=True, input=True),
    Column("planned_ytd", "Planned year to date (£)", "money", total=True, input=True),
    Column("actual_ytd", "Actual year to date (£)", "money", total=True, input=True),
    Column("variance_ytd", "Variance year to date (£)", "money", total=True),
)

QUARTERS = (
    Column("line", ""),
    Column("q1", "Q1 (£)", "money", input=True),
    Column("q2", "Q2 (£)", "money", input=True),
    Column("q3", "Q3 (£)", "money", input=True),
    Column("q4", "Q4 (£)", "money", input=True),
    Column("year", "Annual total (£)", "money", sum_of=("q1", "q2", "q3", "q4")),
)

INCOME_AND_EXPENDITURE = TableSheet(
    title="Income and Expenditure",
    heading="Income and Expenditure",
    intro=(
        "The pooled fund's income and spend, from the money records: income is the contributions recorded for "
        "the financial year, profiled evenly by quarter; spend is the planned and actual spend recorded for each "
        "scheme. Variance is actual less planned."
    ),
    tables=(
        Table(
            source="income_quarters",
            heading="Income to the pooled fund by quarter: plan, forecast and actual",
            columns=QUARTERS,
            note=(
                "Plan: the year's contributions profiled evenly by quarter; forecast: the plan. Actual income "
                "received is not recorded in the app: enter it here."
            ),
        ),
        Table(
            source="expenditure_quarters",
            heading="Expenditure from the pooled fund by quarter: plan, forecast and actual",
            columns=QUARTERS,
            note=(
                "Plan and actual: the spend recorded for each scheme (an actual is blank until every scheme's is "
                "recorded); forecast: the actual where recorded, else the plan."
            ),
        ),
        Table(
            source="income",
            heading="Income to the pooled fund",
            columns=(
                Column("fund", "Fund"),
                Column("contributor", "Contributor"),
                Column("year", "Income for the year (£)", "money", total=True, input=True),
                Column("quarter", "Income this quarter (£)", "money", total=True, input=True),
                Column("ytd", "Income year to date (£)", "money", total=True, input=True),
            ),
            totals=True,
            when_empty="ie.commentary",
        ),
        Table(
            source="expenditure",
            heading="Expenditure by scheme",
            columns=MONEY,
            totals=True,
            when_empty="ie.commentary",
            explain_missing="ie.commentary",
            note=(
                "A blank actual is not recorded yet, not a nil spend: it is left out of the totals and the "
                "variance, and the commentary below says why."
            ),
        ),
    ),
    questions=(
        Question(
            "ie.commentary",
            "Commentary on income and expenditure (needed when there are no figures or an actual is not "
            "recorded: say why)",
            required=False,
            long_text=True,
        ),
    ),
)

SUPPORTING_METRICS = TableSheet(
    title="Supporting Metrics",
    heading="Supporting Metrics",
    intro=(
        "Each BCF metric's plan and actual for the quarter. Status is computed: on track when the actual is "
        "within the metric's tolerance of plan. Commentary is needed for a metric not on track or with no "
        "actual yet."
    ),
    tables=(
        Table(
            source="metrics",
            heading="BCF metrics",
            columns=(
                Column("metric", "Metric"),
                Column("unit", "Unit"),
                Column("period", "Period"),
                Column("plan", "Plan", "number", input=True),
                Column("actual", "Actual", "number", input=True),
                Column("status", "On track?", "status"),
            ),
            row_commentary=True,
            commentary_required_when=("status", ("Not on track", "No actual yet")),
        ),
    ),
)

NARRATIVE = QuestionSheet(
    title="Narrative",
    heading="Narrative",
    intro="Progress and variances in the quarter, drafted from the schemes' progress comments and RAG changes.",
    questions=(
        Question("narrative.progress", "Progress in the quarter", prefill="narrative.progress", long_text=True),
        Question(
            "narrative.variances",
            "Variances and RAG changes",
            prefill="narrative.variances",
            long_text=True,
            required=False,
        ),
    ),
)

TEMPLATE = ReturnTemplate(
    start_year=2015,
    name="BCF quarterly data collection 2015/16",
    sheets=(
        ChecklistSheet(),
        COVER,
        BUDGET,
        NATIONAL_CONDITIONS,
        INCOME_AND_EXPENDITURE,
        SUPPORTING_METRICS,
        NARRATIVE,
    ),
    source="Seed 000 §2.6–2.7; NHS England's 2015/16 quarterly template as public copies show it",
)


# The year's policy: the national conditions the return confirms (as its questions word them, seed 000 §2.7),
# the metrics (seed 000 §2.6) and where the pooled fund's money came from.
DATA_SHARING = "In respect of data sharing: "

NATIONAL_CONDITIONS_2015 = (
    NationalCondition(1, "jointly_agreed", "Plans to be jointly agreed", answers=YES_NO_IN_PROGRESS),
    NationalCondition(
        2, "protect_social_care", "Protection for social care services (not spending)", answers=YES_NO_IN_PROGRESS
    ),
    NationalCondition(
        3,
        "seven_day_services",
        "7-day services to support patients being discharged and prevent unnecessary admission at weekends",
        answers=YES_NO_IN_PROGRESS,
    ),
    NationalCondition(
        4, "nhs_number", DATA_SHARING + "the NHS Number as the primary identifier", answers=YES_NO_IN_PROGRESS
    ),
    NationalCondition(4, "open_apis", DATA_SHARING + "open APIs", answers=YES_NO_IN_PROGRESS),
    NationalCondition(
        4,
        "information_governance",
        DATA_SHARING + "information governance controls in line with Caldicott",
        answers=YES_NO_IN_PROGRESS,
    ),
    NationalCondition(
        5,
        "joint_assessment",
        "A joint approach to assessments and care planning, with an accountable professional for integrated "
        "packages of care",
        answers=YES_NO_IN_PROGRESS,
    ),
    NationalCondition(
        6,
        "acute_impact",
        "Agreement on the consequential impact of changes in the acute sector",
        answers=YES_NO_IN_PROGRESS,
    ),
)

METRICS_2015 = (
    MetricDefinition(
        "non_elective_admissions",
        "Non-elective admissions",
        "Emergency (non-elective) admissions to hospital, general and acute, all ages.",
        numerator="Non-elective admissions",
        denominator="",
        unit="count",
        frequencies=("quarter", "month"),
        source="Secondary Uses Service (SUS)",
    ),
    MetricDefinition(
        "delayed_transfers_of_care",
        "Delayed transfers of care",
        "Delayed transfers of care (delayed days) from hospital.",
        numerator="Delayed days",
        denominator="Population aged 18 and over",
        population_base="population aged 18+",
        per=100_000,
        frequencies=("month",),
        source="NHS England monthly delayed transfers of care return",
    ),
    MetricDefinition(
        "residential_admissions_65",
        "Permanent admissions of older people (65+) to residential and nursing care homes",
        "Permanent admissions of people aged 65 and over to residential and nursing care homes, per 100,000 "
        "population aged 65 and over (ASCOF 2A(2)).",
        numerator="Permanent admissions of people aged 65 and over to care homes",
        denominator="Population aged 65 and over",
        population_base="population aged 65+",
        per=100_000,
        source="Adult social care records",
    ),
    MetricDefinition(
        "reablement_91_days",
        "Older people (65+) still at home 91 days after discharge into reablement / rehabilitation",
        "The proportion of older people (65 and over) who were still at home 91 days after discharge from "
        "hospital into reablement or rehabilitation services (ASCOF 2B(1)).",
        numerator="Older people still at home 91 days after discharge",
        denominator="Older people discharged into reablement or rehabilitation",
        population_base="people aged 65+ discharged into reablement",
        per=100,
        unit="percent",
        lower_is_better=False,
        source="Adult social care records",
    ),
    MetricDefinition(
        "user_experience",
        "Patient / service user experience",
        "Do care and support services help you have a better quality of life?",
        numerator="Respondents answering yes",
        denominator="Respondents",
        per=100,
        unit="percent",
        lower_is_better=False,
        frequencies=("year",),
        source="Adult Social Care User Experience Survey",
    ),
    MetricDefinition(
        "deaths_usual_residence",
        "Deaths at usual place of residence",
        "The proportion of deaths that happen at the person's usual place of residence (the local metric).",
        numerator="Deaths at usual place of residence",
        denominator="Deaths",
        per=100,
        unit="percent",
        lower_is_better=False,
        frequencies=("year",),
        source="ONS mortality data",
    ),
)

YEAR = PolicyYear(
    start_year=2015,
    name="Better Care Fund 2015 to 2016",
    source=(
        "Seed 000 §2.6 (metrics) and §2.7 (national conditions as the quarterly return asks them); Better Care Fund "
        "planning guidance 2015/16. Check a change against the published documents, not against memory."
    ),
    objectives=(
        # As the domain brief puts the fund's aim (../shared/docs/DOMAIN.md); a local target (Trafford's 3.5% fewer
        # non-elective admissions) is the programme's, not the year's.
        "Keeping frail and older people out of hospital, through schemes funded from the pooled budget",
    ),
    national_conditions=NATIONAL_CONDITIONS_2015,
    metrics=METRICS_2015,
    funding_sources=(
        FundingSource(
            "nhs_minimum",
            "CCG minimum contribution",
            "icb",
            nhs_minimum=True,
            note="From clinical commissioning groups (CCGs), before ICBs.",
        ),
        FundingSource("dfg", "Disabled Facilities Grant (DFG)", "la"),
        FundingSource("social_care_capital", "Social Care Capital Grant", "la"),
        FundingSource("additional_la", "Additional local authority contribution", "la"),
        FundingSource("additional_icb", "Additional CCG contribution", "icb"),
    ),
    returns=(TEMPLATE,),
)
