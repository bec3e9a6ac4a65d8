"""The Better Care Fund in 2025/26: DHSC/MHCLG's policy framework (30 January 2025) and NHS England's planning
requirements for 2025 to 2026. Wording is the published documents' as far as public copies show it; check a change
against them, not against memory.

Its returns: the in-year return (Q1 to Q3) confirms the four national conditions, with commentary for a "No", and
reports the three headline metrics' plan, actual and on-track; the year-end return (Q4) adds spend and activity
per expenditure line by source of funding, and the pooled fund's checks (sources adding up to the contributions,
the NHS minimum contribution to adult social care at least the required figure), which block sign-off while
they fail."""

from dataclasses import replace

from policy.returns import (
    YES,
    ChecklistSheet,
    Column,
    Question,
    QuestionSheet,
    ReturnTemplate,
    Table,
    TableSheet,
)
from policy.spec import FundingSource, MetricDefinition, NationalCondition, PolicyYear, SchemeType
from policy.years import y2015_16

YEAR = PolicyYear(
    start_year=2025,
    name="Better Care Fund 2025 to 2026",
    source=(
        "Better Care Fund policy framework 2025 to 2026 (DHSC and MHCLG, 30 January 2025); "
        "Better Care Fund planning requirements 2025 to 2026 (NHS England)"
    ),
    objectives=(
        "Reform to support the shift from sickness to prevention",
        "Reform to support people living independently and the shift from hospital to home",
    ),
    national_conditions=(
        NationalCondition(
            1,
            "jointly_agreed",
            "Plans to be jointly agreed",
            "The plan is agreed by the integrated care board (ICB) and the local authority and signed off by the "
            "health and wellbeing board (HWB).",
        ),
        NationalCondition(
            2,
            "objectives",
            "Implementing the objectives of the BCF",
            "The plan sets out how the area will deliver the BCF's objectives: the shift from sickness to "
            "prevention and from hospital to home.",
        ),
        NationalCondition(
            3,
            "grant_conditions",
            "Complying with grant and funding conditions, including maintaining the NHS minimum contribution to "
            "adult social care",
            "Funding is pooled under a section 75 agreement and spent in line with the grant conditions; the NHS "
            "minimum contribution to adult social care is at least the required figure.",
        ),
        NationalCondition(
            4,
            "oversight",
            "Complying with oversight and support processes",
            "The area takes part in the BCF's oversight and support processes and submits its returns on time.",
        ),
    ),
    plans_headline_metrics=True,
    metrics=(
        MetricDefinition(
            "emergency_admissions_65",
            "Emergency admissions to hospital for people aged 65 and over",
            "Emergency admissions to hospital for people aged 65 and over, per 100,000 population aged 65 and over.",
            numerator="Emergency admissions of people aged 65 and over",
            denominator="Population aged 65 and over",
            population_base="population aged 65+",
            per=100_000,
            unit="rate",
            frequencies=("quarter", "month"),
            source="Secondary Uses Service (SUS); ONS population estimates",
        ),
        MetricDefinition(
            "discharge_delay",
            "Average length of discharge delay for all acute adult patients",
            "The average number of days from the discharge ready date to discharge, for all adult patients "
            "discharged from acute hospitals.",
            numerator="Total days of delay after the discharge ready date",
            denominator="Adult patients discharged from acute hospitals",
            unit="days",
            frequencies=("quarter", "month"),
            source="Acute discharge situation report / SUS discharge ready date",
        ),
        MetricDefinition(
            "care_home_admissions_65",
            "Long-term admissions to residential and nursing care homes for people aged 65 and over",
            "Long-term support needs of older people (aged 65 and over) met by admission to residential and "
            "nursing care homes, per 100,000 population aged 65 and over.",
            numerator="Council-supported permanent admissions of people aged 65 and over to care homes",
            denominator="Population aged 65 and over",
            population_base="population aged 65+",
            per=100_000,
            unit="rate",
            frequencies=("quarter",),
            source="Client Level Data (CLD); ONS population estimates",
        ),
    ),
    funding_sources=(
        FundingSource("nhs_minimum", "NHS minimum contribution", "icb", nhs_minimum=True),
        FundingSource(
            "la_grant",
            "Local Authority Better Care Grant",
            "la",
            note="Formerly the improved Better Care Fund (iBCF) grant, with the Discharge Fund rolled in.",
        ),
        FundingSource("dfg", "Disabled Facilities Grant (DFG)", "la"),
        FundingSource("additional_la", "Additional local authority contribution", "la"),
        FundingSource("additional_icb", "Additional ICB contribution", "icb"),
    ),
    scheme_types=(
        SchemeType(
            "assistive_technologies",
            "Assistive technologies and equipment",
            ("Assistive technologies including telecare", "Community based equipment", "Other"),
        ),
        SchemeType("bed_based_ic", "Bed-based intermediate care services", ("Step down", "Step up", "Other")),
        SchemeType(
            "carers",
            "Carers' services",
            ("Carer advice and support", "Respite services", "Other"),
        ),
        SchemeType(
            "dfg",
            "DFG related schemes",
            (
                "Adaptations, including statutory DFG grants",
                "Discretionary use of DFG",
                "Handyperson services",
                "Other",
            ),
        ),
        SchemeType(
            "home_based_ic",
            "Home-based intermediate care services",
            ("Reablement at home", "Rehabilitation at home", "Joint reablement and rehabilitation service", "Other"),
        ),
        SchemeType(
            "home_care",
            "Home care or domiciliary care",
            ("Domiciliary care packages", "Domiciliary care workforce development", "Other"),
        ),
        SchemeType("housing", "Housing related schemes"),
        SchemeType(
            "navigation",
            "Integrated care planning and navigation",
            ("Care navigation and planning", "Assessment teams/joint assessment", "Other"),
        ),
        SchemeType(
            "prevention", "Prevention and early intervention", ("Social prescribing", "Risk stratification", "Other")
        ),
        SchemeType("residential", "Residential placements", ("Care home", "Nursing home", "Other")),
        SchemeType("urgent_community_response", "Urgent community response"),
        SchemeType("workforce", "Workforce recruitment and retention"),
        SchemeType(
            "enablers", "Enablers for integration", ("Data integration", "Joint commissioning infrastructure", "Other")
        ),
        SchemeType("other", "Other"),
    ),
    notes=(
        "Scheme types and sub-types follow the 2025-26 planning template's expenditure sheet; check wording against the published template.",
    ),
)


# --- The returns -------------------------------------------------------------------------------------------------

NATIONAL_CONDITIONS = QuestionSheet(
    title="National Conditions",
    heading="National conditions 2025 to 2026",
    intro=(
        "Is each national condition still being met? Select Yes or No. For No, say in the commentary why and what "
        "is being done about it."
    ),
    answer_header="Please select (Yes or No)",
    questions=tuple(
        Question(
            f"nc.{condition.number}",
            condition.text,
            number=f"{condition.number})",
            choices=condition.answers,
            commentary=True,
            commentary_required_for=tuple(a for a in condition.answers if a != YES),
            prefill=f"condition:{condition.number}",
            condition=condition.code,
        )
        for condition in YEAR.national_conditions
    ),
)

HEADLINE_METRICS = TableSheet(
    title="Metrics",
    heading="Headline metrics: plan, actual and on track",
    intro=(
        "Each headline metric's plan and actual for the quarter (the latest month with an actual, for a metric "
        "planned by month), from the metrics records. On track: the actual is at or better than plan in the "
        "metric's direction. Commentary is needed for a metric not on track or with no data."
    ),
    tables=(
        Table(
            source="headline_metrics",
            heading="Headline metrics",
            columns=(
                Column("metric", "Metric"),
                Column("unit", "Unit"),
                Column("period", "Period"),
                Column("plan", "Plan", "number"),
                Column("actual", "Actual", "number"),
                Column("status", "On track?", "status"),
            ),
            row_commentary=True,
            commentary_required_when=("status", ("Not on track", "No data")),
        ),
    ),
)

IN_YEAR = ReturnTemplate(
    start_year=2025,
    name="BCF quarterly report 2025/26 (in-year)",
    sheets=(ChecklistSheet(), y2015_16.COVER, NATIONAL_CONDITIONS, HEADLINE_METRICS),
    source=YEAR.source,
    quarters=(1, 2, 3),
)

SPEND_AND_ACTIVITY = TableSheet(
    title="Spend and activity",
    heading="Spend and activity against the expenditure plan",
    intro=(
        "Each line of the expenditure plan, from the money records: planned expenditure, spend to date and "
        "outputs, by source of funding. A blank spend is not recorded yet, not a nil spend: it is left out of "
        "the totals and the commentary below says why."
    ),
    tables=(
        Table(
            source="expenditure_plan",
            heading="Expenditure plan lines",
            columns=(
                Column("line", "Line"),
                Column("scheme", "Scheme"),
                Column("scheme_type", "Scheme type"),
                Column("sub_type", "Sub-type"),
                Column("commissioner", "Commissioner"),
                Column("provider", "Provider"),
                Column("source", "Source of funding"),
                Column("planned", "Planned expenditure (£)", "money", total=True),
                Column("spent", "Spend to date (£)", "money", total=True, input=True),
                Column("outputs_planned", "Outputs planned", "number"),
                Column("outputs_unit", "Unit of outputs"),
                Column("outputs_delivered", "Outputs delivered", "number"),
            ),
            totals=True,
            when_empty="spend.commentary",
            explain_missing="spend.commentary",
        ),
        Table(
            source="expenditure_by_source",
            heading="Spend by source of funding",
            columns=(
                Column("source", "Source of funding"),
                Column("planned", "Planned expenditure (£)", "money", total=True),
                Column("spent", "Spend to date (£)", "money", total=True),
            ),
            totals=True,
            note="The sum of the lines above for each source; a line whose spend is not recorded counts as blank.",
        ),
    ),
    questions=(
        Question(
            "spend.commentary",
            "Commentary on spend and activity (needed when there are no lines or a spend is not recorded: say why)",
            required=False,
            long_text=True,
        ),
    ),
)

POOLED_FUND = TableSheet(
    title="Pooled fund",
    heading="The pooled fund's checks",
    intro=(
        "Checks on the money records, not answers: each must pass before the return can be signed off. Put the "
        "figures right under Money and build the return again."
    ),
    tables=(
        Table(
            source="pooled_fund_by_source",
            heading="Contributions against the expenditure plan, by source",
            columns=(
                Column("source", "Source of funding"),
                Column("contributed", "Contributed (£)", "money", total=True),
                Column("planned", "Planned expenditure (£)", "money", total=True),
                Column("difference", "Planned less contributed (£)", "money", total=True),
                Column("status", "Adds up?", "status"),
            ),
            totals=True,
            must_be=("status", (YES,)),
        ),
        Table(
            source="nhs_minimum",
            heading="NHS minimum contribution to adult social care",
            columns=(
                Column("item", "Pooled fund"),
                Column("computed", "From the lines marked as such (£)", "money"),
                Column("required", "Required minimum (£)", "money"),
                Column("status", "Met?", "status"),
            ),
            must_be=("status", (YES,)),
        ),
    ),
)

YEAR_END = replace(
    IN_YEAR,
    name="BCF quarterly report 2025/26 (year end)",
    sheets=(*IN_YEAR.sheets, SPEND_AND_ACTIVITY, POOLED_FUND),
    quarters=(4,),
)

YEAR = replace(YEAR, returns=(IN_YEAR, YEAR_END))
