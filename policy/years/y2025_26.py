"""The Better Care Fund in 2025/26: DHSC/MHCLG's policy framework (30 January 2025) and NHS England's planning
requirements for 2025 to 2026. Wording is the published documents' as far as public copies show it; check a change
against them, not against memory."""

from policy.spec import FundingSource, MetricDefinition, NationalCondition, PolicyYear, SchemeType

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
