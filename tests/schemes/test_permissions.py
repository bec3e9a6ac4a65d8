import datetime as dt

import pytest

from accounts.roles import Role
from schemes.permissions import can_edit_scheme, scheme_get_for_edit
from tests.factories.schemes import SchemeFactory, SchemeLeadFactory


@pytest.mark.django_db
def test_only_the_current_lead_and_the_programme_office_may_edit_a_scheme(make_user):
    lead, former, other_lead = make_user(Role.PROJECT_LEAD), make_user(Role.PROJECT_LEAD), make_user(Role.PROJECT_LEAD)
    scheme = SchemeFactory()
    SchemeLeadFactory(scheme=scheme, user=lead)
    SchemeLeadFactory(scheme=scheme, user=former, end_date=dt.date(2015, 3, 31))
    assert can_edit_scheme(lead, scheme)
    assert can_edit_scheme(make_user(Role.PROGRAMME_OFFICE), scheme)
    assert not can_edit_scheme(former, scheme)
    assert not can_edit_scheme(other_lead, scheme)
    for role in (Role.STEERING_GROUP, Role.BOARD_SECRETARY, Role.FINANCE_OFFICER):
        assert not can_edit_scheme(make_user(role), scheme)


@pytest.mark.django_db
def test_edit_getter_raises_403_for_others_and_404_for_missing(make_user):
    from django.core.exceptions import PermissionDenied
    from django.http import Http404

    scheme = SchemeFactory()
    with pytest.raises(PermissionDenied):
        scheme_get_for_edit(user=make_user(Role.STEERING_GROUP), pk=scheme.pk)
    with pytest.raises(Http404):
        scheme_get_for_edit(user=make_user(Role.PROGRAMME_OFFICE), pk=scheme.pk + 1000)
