from django.shortcuts import get_object_or_404, render

from accounts.roles import Role, has_role
from schemes import permissions, selectors
from schemes.models import ReportingPeriod


def inbox(request):
    """What is waiting: for the programme office, the period's updates by status (submitted first), each one click
    from its scheme's update; for a project lead, what is due on their schemes."""
    programme = permissions.programme_current(request, request.GET.get("programme"))
    is_office = permissions.can_manage_programme(request.user, programme)
    context = {"programme": programme, "is_office": is_office}
    if is_office:
        periods = list(selectors.period_list(programme=programme))
        code = request.GET.get("period")
        period = (
            get_object_or_404(ReportingPeriod, programme=programme, code=code)
            if code
            else selectors.period_current(programme=programme)
        )
        context.update(
            {
                "periods": periods,
                "period": period,
                "office": selectors.inbox_office(programme=programme, period=period),
                "elsewhere": selectors.inbox_office_waiting_elsewhere(user=request.user, period=period),
            }
        )
    if has_role(request.user, Role.PROJECT_LEAD):
        context["lead"] = selectors.inbox_lead(user=request.user)
    context["waiting"] = selectors.inbox_waiting_count(request.user)
    return render(request, "schemes/inbox.html", context)
