"""Setting up a programme in the browser (issue 17): the programme, its reporting periods, workstreams, localities,
people and scheme leads, and the "Ready to report?" checklist. Who may: schemes.permissions.programme_can_set_up."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from accounts import selectors as account_selectors
from accounts import services as account_services
from accounts.roles import Role
from core.exceptions import StaleEdit
from core.forms import NOT_SAVED, VersionedForm, add_service_errors, save_with
from schemes import services
from schemes.forms import (
    InviteForm,
    NameForm,
    PartnershipSSOForm,
    PeriodForm,
    PeriodPlanForm,
    ProgrammeForm,
    RenameRetireForm,
    RoleEndForm,
    RoleGrantForm,
    SchemeLeadChangeForm,
)
from schemes.models import ProgrammeLocality, ReportingPeriod, Scheme, Workstream
from schemes.permissions import (
    programme_can_set_up,
    programme_get_for_setup,
    programme_part_get_for_setup,
    programmes_for,
)
from schemes.setup_checks import setup_checklist


def setup_index(request):
    """The programme office's way in: the default programme's "Ready to report?" checklist."""
    if not programme_can_set_up(request.user):
        raise PermissionDenied("Only the programme office can set up a programme.")
    programme = programmes_for(request.user).first()
    if programme is None:
        return render(request, "schemes/setup/no_programme.html")
    return redirect("setup:checklist", slug=programme.slug)


def programme_edit(request, slug: str):
    """The programme's name, partner organisations and dates, and its partnership's single sign-on domains; links to
    every other set-up page."""
    programme = programme_get_for_setup(user=request.user, slug=slug)
    partnership = programme.partnership
    fields = ["name", "organisation", "partner_organisations", "start_date", "end_date", "reminder_summary_emails"]
    posted = request.POST if request.method == "POST" else None
    sso_posted = posted is not None and "sso_domains" in posted
    form = ProgrammeForm(
        None if sso_posted else posted,
        initial={f: getattr(programme, f) for f in fields} | {"version": programme.version},
    )
    domains = ", ".join(partnership.sso_domains)
    sso_form = PartnershipSSOForm(posted if sso_posted else None, initial={"domains": domains, "was": domains})
    if sso_posted:
        saved = save_with(
            sso_form,
            lambda d: account_services.partnership_sso_domains_set(
                partnership=partnership, domains=d["domains"], expected=d["was"], by=request.user
            ),
        )
        if saved.ok:
            messages.success(request, f"{partnership}'s single sign-on domains saved.")
            return redirect("setup:programme", slug=programme.slug)
    elif posted is not None:
        saved = save_with(
            form,
            lambda d: services.programme_update(
                programme=programme, by=request.user, expected_version=d["version"], **{f: d[f] for f in fields}
            ),
        )
        if saved.ok:
            messages.success(request, "Programme saved.")
            return redirect("setup:checklist", slug=programme.slug)
    return render(
        request,
        "schemes/setup/programme.html",
        {"programme": programme, "form": form, "sso_form": sso_form, "partnership": partnership},
    )


def periods(request, slug: str):
    """Reporting periods: the list, and a plan from a cadence or the board's dates, previewed before it is saved."""
    programme = programme_get_for_setup(user=request.user, slug=slug)
    form = PeriodPlanForm(request.POST or None)
    planned = []
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if data["method"] == "cadence":
                planned = services.reporting_periods_plan_cadence(
                    programme=programme, cadence=data["cadence"], first_start=data["first_start"], until=data["until"]
                )
            else:
                planned = services.reporting_periods_plan_board_dates(
                    programme=programme, first_start=data["first_start"], board_dates=data["board_dates"]
                )
            if "save" in request.POST:
                created = services.reporting_periods_create(programme=programme, planned=planned, by=request.user)
                messages.success(request, f"{len(created)} reporting period{'s' if len(created) != 1 else ''} saved.")
                return redirect("setup:periods", slug=programme.slug)
        except ValidationError as exc:
            planned = []
            add_service_errors(form, exc)
    return render(
        request,
        "schemes/setup/periods.html",
        {
            "programme": programme,
            "form": form,
            "planned": planned,
            "periods": programme.periods.order_by("start_date"),
            "today": timezone.localdate(),
        },
    )


def period_edit(request, pk: int):
    """A period's name and meeting dates (board, steering group)."""
    period = programme_part_get_for_setup(user=request.user, model=ReportingPeriod, pk=pk)
    form = PeriodForm(
        request.POST or None,
        initial={
            "name": period.name,
            "board_date": period.board_date,
            "steering_group_date": period.steering_group_date,
            "version": period.version,
        },
    )
    if request.method == "POST":
        saved = save_with(
            form,
            lambda d: services.reporting_period_update(
                period=period,
                name=d["name"],
                board_date=d["board_date"],
                steering_group_date=d["steering_group_date"],
                by=request.user,
                expected_version=d["version"],
            ),
        )
        if saved.ok:
            messages.success(request, f"Period {period} saved.")
            return redirect("setup:periods", slug=period.programme.slug)
    return render(
        request,
        "schemes/setup/part_edit.html",
        {
            "programme": period.programme,
            "form": form,
            "thing": period,
            "kind": "period",
            "back": reverse("setup:periods", args=[period.programme.slug]),
        },
    )


def _names_page(request, slug: str, *, kind: str, add, items, edit_url: str):
    programme = programme_get_for_setup(user=request.user, slug=slug)
    form = NameForm(request.POST or None)
    if request.method == "POST":
        saved = save_with(form, lambda d: add(programme=programme, name=d["name"], by=request.user))
        if saved.ok:
            messages.success(request, f"{kind.capitalize()} “{saved.value}” added.")
            return redirect(request.path)
    return render(
        request,
        "schemes/setup/names.html",
        {"programme": programme, "form": form, "kind": kind, "items": items(programme), "edit_url": edit_url},
    )


def period_close(request, pk: int):
    """Close a reporting period for the whole programme, for good: first a preview of what it locks (the schemes
    whose update is not approved, the comments and completions dated in it), then the confirmation."""
    period = programme_part_get_for_setup(user=request.user, model=ReportingPeriod, pk=pk)
    form = VersionedForm(request.POST or None, initial={"version": period.version})
    if request.method == "POST" and form.is_valid():
        try:
            services.reporting_period_close(
                period=period, by=request.user, expected_version=form.cleaned_data["version"]
            )
        except (StaleEdit, ValidationError) as exc:
            messages.error(request, " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc))
        else:
            messages.success(request, f"{period.name} ({period}) is closed: nothing dated in it can change.")
            return redirect("setup:periods", slug=period.programme.slug)
        period.refresh_from_db()
    return render(
        request,
        "schemes/setup/period_close.html",
        {
            "programme": period.programme,
            "preview": services.reporting_period_close_preview(period=period),
            "version": period.version,
        },
    )


def workstreams(request, slug: str):
    """Workstreams: the list, and a form to add one."""
    return _names_page(
        request,
        slug,
        kind="workstream",
        add=services.workstream_add,
        items=lambda p: p.workstreams.order_by("is_retired", "order", "name"),
        edit_url="setup:workstream_edit",
    )


def localities(request, slug: str):
    """Localities: the list, and a form to add one."""
    return _names_page(
        request,
        slug,
        kind="locality",
        add=services.locality_add,
        items=lambda p: p.localities.order_by("is_retired", "name"),
        edit_url="setup:locality_edit",
    )


def _rename_retire(request, obj, *, update, kind: str, back: str):
    form = RenameRetireForm(
        request.POST or None, initial={"name": obj.name, "is_retired": obj.is_retired, "version": obj.version}
    )
    if request.method == "POST":
        saved = save_with(
            form,
            lambda d: update(
                obj, name=d["name"], is_retired=d["is_retired"], by=request.user, expected_version=d["version"]
            ),
        )
        if saved.ok:
            messages.success(request, f"{kind.capitalize()} “{saved.value}” saved.")
            return redirect(back)
    return render(
        request,
        "schemes/setup/part_edit.html",
        {"programme": obj.programme, "form": form, "thing": obj, "kind": kind, "back": back},
    )


def workstream_edit(request, pk: int):
    """Rename or retire a workstream."""
    workstream = programme_part_get_for_setup(user=request.user, model=Workstream, pk=pk)
    return _rename_retire(
        request,
        workstream,
        update=lambda obj, **kw: services.workstream_update(workstream=obj, **kw),
        kind="workstream",
        back=reverse("setup:workstreams", args=[workstream.programme.slug]),
    )


def locality_edit(request, pk: int):
    """Rename or retire a locality."""
    locality = programme_part_get_for_setup(user=request.user, model=ProgrammeLocality, pk=pk)
    return _rename_retire(
        request,
        locality,
        update=lambda obj, **kw: services.locality_update(locality=obj, **kw),
        kind="locality",
        back=reverse("setup:localities", args=[locality.programme.slug]),
    )


def checklist(request, slug: str):
    """Ready to report? What is still missing before the first highlight report, each with the page that fixes it."""
    programme = programme_get_for_setup(user=request.user, slug=slug)
    checks = setup_checklist(programme=programme)
    return render(
        request,
        "schemes/setup/checklist.html",
        {"programme": programme, "checks": checks, "ready": not any(c["missing"] for c in checks)},
    )


def scheme_lead(request, pk: int):
    """A scheme's leads over time, and a new lead from a date (the previous lead's term ends the day before)."""
    scheme = programme_part_get_for_setup(user=request.user, model=Scheme, pk=pk)
    form = SchemeLeadChangeForm(
        request.POST or None, users=account_selectors.people_with_role(Role.PROJECT_LEAD, programme=scheme.programme)
    )
    if request.method == "POST":
        saved = save_with(
            form,
            lambda d: services.scheme_lead_change(
                scheme=scheme, user=d["user"], start_date=d["start_date"], by=request.user
            ),
        )
        if saved.ok:
            messages.success(request, f"{saved.value.user} leads {scheme} from {saved.value.start_date:%d/%m/%Y}.")
            return redirect("setup:scheme_lead", pk=scheme.pk)
    return render(
        request,
        "schemes/setup/scheme_lead.html",
        {
            "programme": scheme.programme,
            "scheme": scheme,
            "form": form,
            "leads": scheme.leads.select_related("user").order_by("start_date", "pk"),
            "today": timezone.localdate(),
        },
    )


def people(request, slug: str):
    """Who holds which role, the invitations sent, and a form to invite someone."""
    programme = programme_get_for_setup(user=request.user, slug=slug)
    form = InviteForm(request.POST or None)
    if request.method == "POST":
        saved = save_with(
            form,
            lambda d: account_services.invitation_create(
                email=d["email"], programme=programme, role=d["role"], by=request.user
            ),
        )
        if saved.ok:
            invitation, token = saved.value
            account_services.invitation_send(
                invitation=invitation,
                link=request.build_absolute_uri(reverse("accounts:invitation_accept", args=[token])),
            )
            messages.success(request, f"Invitation sent to {invitation.email}. The link works for 7 days.")
            return redirect("setup:people", slug=programme.slug)
    return render(
        request,
        "schemes/setup/people.html",
        {
            "programme": programme,
            "form": form,
            "people": account_selectors.people_with_roles(programme=programme),
            "invitations": account_selectors.invitations_for(programme=programme),
            "now": timezone.now(),
        },
    )


def person(request, slug: str, pk: int):
    """One person's roles: give another, or end one (from a date)."""
    programme = programme_get_for_setup(user=request.user, slug=slug)
    person = account_selectors.person_get(pk=pk, programme=programme)
    grant, end = (
        RoleGrantForm(prefix="grant"),
        RoleEndForm(prefix="end", roles=account_selectors.roles_of(person, programme=programme)),
    )
    if request.method == "POST":
        if "grant" in request.POST:
            grant = RoleGrantForm(request.POST, prefix="grant")
            form, action = (
                grant,
                lambda d: account_services.role_grant(
                    user=person, programme=programme, role=d["role"], start=d["start"], by=request.user
                ),
            )
        else:
            end = RoleEndForm(request.POST, prefix="end", roles=account_selectors.roles_of(person, programme=programme))
            form, action = (
                end,
                lambda d: account_services.role_end(
                    user=person, programme=programme, role=d["role"], end=d["end"], by=request.user
                ),
            )
        if save_with(form, action).ok:
            messages.success(request, f"{person}'s roles saved.")
            return redirect("setup:person", slug=programme.slug, pk=person.pk)
        messages.error(request, NOT_SAVED)
    return render(
        request,
        "schemes/setup/person.html",
        {
            "programme": programme,
            "person": person,
            "roles": account_selectors.roles_of(person, programme=programme),
            "grant": grant,
            "end": end,
        },
    )
