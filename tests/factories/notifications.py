"""A small programme for the inbox and notifications (issue 21): a scheme with a current and a former lead, two
programme officers and a steering group member; and another partnership's programme with its own office."""

import datetime as dt

from accounts.roles import Role
from schemes import services
from tests.factories.accounts import PartnershipFactory, UserFactory
from tests.factories.schemes import ProgrammeFactory, ReportingPeriodFactory, SchemeFactory, SchemeLeadFactory


def inbox_world() -> dict:
    """One programme with a scheme and its lead, its programme office and steering group member; and another
    partnership's programme with its own programme office."""
    programme = ProgrammeFactory()
    other = ProgrammeFactory(partnership=PartnershipFactory(slug="elsewhere", name="Elsewhere"))
    period = ReportingPeriodFactory(programme=programme, code="p1", name="P1")
    scheme = SchemeFactory(programme=programme, ref="5.1", name="Community nursing")
    lead = UserFactory(username="lead", roles=[Role.PROJECT_LEAD], roles__programmes=[programme])
    former = UserFactory(username="former", roles=[Role.PROJECT_LEAD], roles__programmes=[programme])
    SchemeLeadFactory(scheme=scheme, user=lead, start_date=dt.date(2015, 1, 1))
    SchemeLeadFactory(scheme=scheme, user=former, start_date=dt.date(2014, 1, 1), end_date=dt.date(2014, 12, 31))
    return {
        "programme": programme,
        "period": period,
        "scheme": scheme,
        "lead": lead,
        "former": former,
        "pmo": UserFactory(username="pmo", roles=[Role.PROGRAMME_OFFICE], roles__programmes=[programme]),
        "pmo2": UserFactory(username="pmo2", roles=[Role.PROGRAMME_OFFICE], roles__programmes=[programme]),
        "steering": UserFactory(username="steering", roles=[Role.STEERING_GROUP], roles__programmes=[programme]),
        "other_pmo": UserFactory(username="other-pmo", roles=[Role.PROGRAMME_OFFICE], roles__programmes=[other]),
    }


def submitted_update(w):
    update = services.scheme_period_update_get_or_create(scheme=w["scheme"], period=w["period"], by=w["lead"])
    services.scheme_rag_set(update=update, rag="green", reason="On track", by=w["lead"])
    services.progress_comment_add(
        scheme=w["scheme"], period=w["period"], date=dt.date(2015, 4, 1), text="Team in place.", by=w["lead"]
    )
    return services.scheme_period_update_submit(update=update, by=w["lead"])
