import policy


def test_2025_26_declares_the_published_framework():
    year = policy.year_for(2025)
    assert year.label == "2025/26"
    assert [c.number for c in year.national_conditions] == [1, 2, 3, 4]
    assert {m.code for m in year.metrics} == {"emergency_admissions_65", "discharge_delay", "care_home_admissions_65"}
    assert [s.code for s in year.funding_sources if s.nhs_minimum] == ["nhs_minimum"]


def test_a_year_without_a_module_is_not_borrowed_from_another():
    assert policy.year_for(2024) is None
