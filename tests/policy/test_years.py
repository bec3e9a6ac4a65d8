import policy


def test_2025_26_declares_the_published_framework():
    year = policy.year_for(2025)
    assert year.label == "2025/26"
    assert [c.number for c in year.national_conditions] == [1, 2, 3, 4]
    assert {m.code for m in year.metrics} == {"emergency_admissions_65", "discharge_delay", "care_home_admissions_65"}
    assert [s.code for s in year.funding_sources if s.nhs_minimum] == ["nhs_minimum"]


def test_a_year_without_a_module_is_not_borrowed_from_another():
    assert policy.year_for(2024) is None


def test_every_year_with_a_return_asks_exactly_its_own_national_conditions():
    """The tie between a year's policy and its return: each condition is confirmed by one question of each of
    the year's templates, and no question confirms a condition of another year."""
    assert set(policy.YEARS) >= {2015, 2016, 2025}
    for year in policy.YEARS.values():
        codes = [c.code for c in year.national_conditions]
        assert len(codes) == len(set(codes)), year.label
        for template in year.returns:
            assert template.start_year == year.start_year, (year.label, template.name)
            asked = [q.condition for _sheet, q in template.questions() if q.condition]
            assert sorted(asked) == sorted(codes), (year.label, template.name)
            for _sheet, question in template.questions():
                if question.condition:
                    assert question.choices == year.condition(question.condition).answers


def test_a_years_templates_cover_each_quarter_once():
    for year in policy.YEARS.values():
        if not year.returns:
            continue
        quarters = [n for template in year.returns for n in template.quarters]
        assert sorted(quarters) == [1, 2, 3, 4], year.label
        assert all(year.return_template(n) is not None for n in (1, 2, 3, 4))


def test_2015_16_and_2016_17_are_policy_years_with_their_conditions_metrics_and_sources():
    y2015, y2016 = policy.year_for(2015), policy.year_for(2016)
    assert [c.code for c in y2015.national_conditions][:3] == [
        "jointly_agreed",
        "protect_social_care",
        "seven_day_services",
    ]
    assert len(y2015.national_conditions) == 8  # 1, 2, 3, 4 (i, ii, iii), 5, 6
    assert y2015.condition("jointly_agreed").answers == ("Yes", "No", "No - In Progress")
    assert {m.code for m in y2015.metrics} >= {"non_elective_admissions", "residential_admissions_65"}
    assert y2015.funding_source("social_care_capital") is not None
    # 2016/17 asks what its return asks; the Social Care Capital Grant ended.
    assert y2016.national_conditions == y2015.national_conditions
    assert y2016.funding_source("social_care_capital") is None
    assert y2016.funding_source("dfg") is not None
