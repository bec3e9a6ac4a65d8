"""Upgrading to roles per programme (issue 17) keeps everyone's access: each role held through a Django group
becomes a membership on every existing programme, every programme goes into the Trafford partnership, and a fund
that belonged to no programme gets a programme of its own (accounts 0006-0007, schemes 0008, finance 0008)."""

import datetime as dt

import pytest

from tests.migrating import installation_at, migrate_to_latest

OLD = [
    ("accounts", "0004_invitations"),
    ("schemes", "0007_programme_setup"),
    ("finance", "0007_appendix_lines_as_printed"),
]


@pytest.mark.django_db(transaction=True)
def test_group_roles_become_memberships_on_every_programme_and_orphan_funds_get_a_programme():
    with installation_at(OLD) as old:
        User, Group = old.get_model("accounts", "User"), old.get_model("auth", "Group")
        Programme, Fund = old.get_model("schemes", "Programme"), old.get_model("finance", "Fund")
        FinancialYear = old.get_model("finance", "FinancialYear")
        office, lead = User.objects.create(username="office"), User.objects.create(username="lead")
        Group.objects.get(name="Programme office").user_set.add(office)
        Group.objects.get(name="Project lead").user_set.add(lead)
        bcf, other = (
            Programme.objects.create(slug=slug, name=slug, start_date=dt.date(2015, 4, 1), end_date=dt.date(2016, 4, 1))
            for slug in ("bcf", "other")
        )
        tf = Fund.objects.create(slug="tf", name="Transformation Fund")
        tf.financial_years.set([FinancialYear.objects.create(start_year=y) for y in (2017, 2018)])
        owned = Fund.objects.create(slug="owned", name="Owned", programme=bcf)
        migrate_to_latest()
        from accounts.models import Membership
        from finance.models import Fund as NewFund
        from schemes.models import Programme as NewProgramme

        held = set(Membership.objects.values_list("user__username", "programme__slug", "role", "end_date"))
        assert held == {
            ("office", "bcf", "Programme office", None),
            ("office", "other", "Programme office", None),
            ("lead", "bcf", "Project lead", None),
            ("lead", "other", "Project lead", None),
        }
        assert set(NewProgramme.objects.values_list("partnership__slug", flat=True)) == {"trafford"}
        fund = NewFund.objects.select_related("programme").get(pk=tf.pk)
        assert (fund.programme.slug, fund.programme.name) == ("tf", "Transformation Fund")
        assert (fund.programme.start_date, fund.programme.end_date) == (dt.date(2017, 4, 1), dt.date(2019, 4, 1))
        assert NewFund.objects.get(pk=owned.pk).programme.slug == "bcf"  # a fund with a programme keeps it
