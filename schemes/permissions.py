"""Who may see and change schemes, and which programmes a person sees at all. Every scheme view and service asks
here, nowhere else.

Roles are held per programme (accounts.roles). A person sees only the programmes they hold a role on: every getter
here and in the other apps' permissions.py filters by `user_programme_ids`, so another partnership's object is the
same 404 as a missing one, and every role check names the object's programme.
"""

from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef
from django.http import Http404
from django.utils import timezone

from accounts.roles import Role, has_role, user_programme_ids, user_roles
from milestones.models import Milestone
from schemes.models import Approval, Programme, Scheme

SESSION_PROGRAMME = "programme"  # the slug of the programme the person last picked


def can_view_programme_data(user, programme=None) -> bool:
    """Anyone holding a role (on this programme, or on any) reads its data; an account with no role sees nothing."""
    return bool(user_roles(user, programme))


def programmes_for(user):
    """The programmes the user holds a role on (all of them for a superuser): those with schemes first (a fund's
    own programme has none, and is not where people land), then newest first."""
    return (
        Programme.objects.filter(pk__in=user_programme_ids(user))
        .annotate(has_schemes=Exists(Scheme.objects.filter(programme=OuterRef("pk"))))
        .order_by("-has_schemes", "-start_date", "name")
    )


def programme_choices(user) -> list[Programme]:
    """The user's programmes (programmes_for), with their partnerships, as a list read once per request (cached on
    the user object, like their memberships): the navigation's picker and a page's own programme choice share it."""
    cached = getattr(user, "_bcf_programme_choices", None)
    if cached is None:
        cached = list(programmes_for(user).select_related("partnership"))
        user._bcf_programme_choices = cached
    return cached


def programme_get(*, user, slug: str) -> Programme:
    """A programme by slug, if the user holds a role on it: another partnership's is as missing as a wrong slug."""
    require_programme_reader(user)
    found = programmes_for(user).filter(slug=slug).select_related("partnership").first()
    if found is None:
        raise Http404("No such programme.")
    return found


def programme_current(request, slug: str | None = None) -> Programme:
    """The programme a page shows: the one named (remembered for next time), else the one picked last in this
    session, else the user's most recent. 403 for an account with no role, 404 for a programme not theirs."""
    user = request.user
    require_programme_reader(user)
    if slug:
        programme = programme_get(user=user, slug=slug)
        if hasattr(request, "session") and request.session.get(SESSION_PROGRAMME) != programme.slug:
            request.session[SESSION_PROGRAMME] = programme.slug  # only a change is saved: no session write per page
        return programme
    theirs = programmes_for(user).select_related("partnership")
    remembered = request.session.get(SESSION_PROGRAMME) if hasattr(request, "session") else None
    programme = (theirs.filter(slug=remembered).first() if remembered else None) or theirs.first()
    if programme is None:
        raise PermissionDenied("Your account has no role in this programme. Ask the programme office for access.")
    return programme


def leads_scheme_now(user, scheme: Scheme) -> bool:
    """The user is one of the scheme's current leads (lead dates respected), whatever roles they hold."""
    if user is None or not getattr(user, "pk", None):
        return False
    today = timezone.localdate()
    return any(lead.user_id == user.pk and lead.is_current(today) for lead in scheme.leads.all())


def can_edit_scheme(user, scheme: Scheme) -> bool:
    """The programme office edits every scheme of its programme; a project lead of the programme edits only the
    schemes they lead now."""
    if has_role(user, Role.PROGRAMME_OFFICE, programme=scheme.programme_id):
        return True
    return has_role(user, Role.PROJECT_LEAD, programme=scheme.programme_id) and leads_scheme_now(user, scheme)


def can_manage_programme(user, programme=None) -> bool:
    return has_role(user, Role.PROGRAMME_OFFICE, programme=programme)


# Provenance notes: how a figure or date was read from the papers ("Extracted as 40, which cannot reconcile…").
# They are the programme office's working notes, not the programme's record (issue 21).
SOURCE_NOTE_FIELDS = ("source_note", "note")


def can_read_source_notes(user, programme) -> bool:
    """A milestone's or business case's source note and an allocation's note: the programme office only (those who
    manage the programme, by the same rule)."""
    return can_manage_programme(user, programme)


def history_hidden_fields(user, programme) -> tuple[str, ...]:
    """The fields a history page leaves out for this user (the provenance notes, for anyone but the office)."""
    return () if can_read_source_notes(user, programme) else SOURCE_NOTE_FIELDS


def require_programme_reader(user, programme=None) -> None:
    if not can_view_programme_data(user, programme):
        raise PermissionDenied("Your account has no role in this programme. Ask the programme office for access.")


def require_programme_manager(user, programme) -> None:
    require_programme_reader(user)
    if not can_manage_programme(user, programme):
        raise PermissionDenied("Only the programme office can do this.")


def scheme_get_for_view(*, user, pk: int) -> Scheme:
    """The scheme if the user may read it; 404 for a missing scheme or one of a programme not theirs, 403 for a
    user with no role."""
    require_programme_reader(user)
    found = (
        Scheme.objects.select_related("programme", "workstream", "programme_locality")
        .filter(pk=pk, programme_id__in=user_programme_ids(user))
        .first()
    )
    if found is None:
        raise Http404("No such scheme.")
    return found


def scheme_get_for_edit(*, user, pk: int) -> Scheme:
    """The scheme if the user may change it; otherwise 403 (404 when it does not exist)."""
    scheme = scheme_get_for_view(user=user, pk=pk)
    if not can_edit_scheme(user, scheme):
        raise PermissionDenied("Only the scheme's project lead or the programme office can change this scheme.")
    return scheme


def can_import_spreadsheet(user, programme=None) -> bool:
    """The programme office and project leads upload spreadsheets; the importer then limits a lead to their schemes."""
    return has_role(user, Role.PROGRAMME_OFFICE, Role.PROJECT_LEAD, programme=programme)


def require_spreadsheet_importer(user, programme=None) -> None:
    require_programme_reader(user)
    if not can_import_spreadsheet(user, programme):
        raise PermissionDenied("Only the programme office and project leads can upload schemes and milestones.")


def milestone_get_for_edit(*, user, pk: int) -> Milestone:
    """A milestone is changed by whoever may change its scheme: 404 when missing, 403 when not theirs."""
    require_programme_reader(user)
    milestone = (
        Milestone.objects.filter(pk=pk, scheme__programme_id__in=user_programme_ids(user))
        .only("id", "scheme_id")
        .first()
    )
    if milestone is None:
        raise Http404("No such milestone.")
    scheme_get_for_edit(user=user, pk=milestone.scheme_id)
    return Milestone.objects.select_related("scheme__programme").get(pk=pk)


# --- Governance gates (TSG, CC&FC, PRAP) ---------------------------------------------------------------------
# A body's decision on a scheme's paper is recorded by the programme office or the governance secretary, and
# never by anyone who leads that scheme now, whatever else they are (a programme officer or a superuser who also
# leads it included): nobody marks their own homework. One governance secretary role serves every body; the roles
# become per-programme memberships later, and this is the one place that check will change.

GATE_KEEPERS = (Role.PROGRAMME_OFFICE, Role.GOVERNANCE_SECRETARY)


def gate_outcome_refusal(user, scheme: Scheme) -> str | None:
    """Why this user may not record a body's decision on this scheme's paper, or None when they may."""
    if user is None or not getattr(user, "is_authenticated", False):
        return "A body's decision is recorded by a named person: sign in as the programme office or the governance secretary."
    if leads_scheme_now(user, scheme):
        return (
            "You lead this scheme, so you cannot record what TSG, CC&FC or PRAP decided on its papers: that is "
            "recorded by the programme office or the governance secretary. Record the paper as pending."
        )
    if not has_role(user, *GATE_KEEPERS, programme=scheme.programme_id):
        return (
            "A body's decision (approved, rejected, withdrawn, deferred) is recorded by the programme office or the "
            "governance secretary. Record the paper as pending."
        )
    return None


def can_record_gate_outcome(user, scheme: Scheme) -> bool:
    return gate_outcome_refusal(user, scheme) is None


def can_add_approval(user, scheme: Scheme) -> bool:
    """Papers going to a body are recorded by the scheme's lead, the programme office or the governance secretary."""
    return can_edit_scheme(user, scheme) or has_role(user, Role.GOVERNANCE_SECRETARY, programme=scheme.programme_id)


def scheme_get_for_approval_add(*, user, pk: int) -> Scheme:
    scheme = scheme_get_for_view(user=user, pk=pk)
    if not can_add_approval(user, scheme):
        raise PermissionDenied(
            "Papers to a body are recorded by the scheme's project lead, the programme office or the governance "
            "secretary."
        )
    return scheme


def approval_get_for_outcome(*, user, pk: int) -> Approval:
    """The approval if the user may record its body's decision: 404 when missing, 403 with the reason when not."""
    require_programme_reader(user)
    approval = (
        Approval.objects.select_related("scheme__programme")
        .filter(pk=pk, scheme__programme_id__in=user_programme_ids(user))
        .first()
    )
    if approval is None:
        raise Http404("No such approval.")
    refusal = gate_outcome_refusal(user, approval.scheme)
    if refusal:
        raise PermissionDenied(refusal)
    return approval


# --- Setting up a programme (issue 17) ---------------------------------------------------------------------


def programme_can_set_up(user, programme=None) -> bool:
    """The one rule for every set-up page (the programme, its periods, workstreams, localities, money and people):
    the programme office *of this programme* (without one: of any programme, to show or refuse the set-up pages)."""
    return has_role(user, Role.PROGRAMME_OFFICE, programme=programme)


def programme_get_for_setup(*, user, slug: str):
    """The programme, for its programme office to set up: 403 for other roles; 404 when it does not exist (and, with
    memberships, when it is not theirs)."""
    if not programme_can_set_up(user):
        raise PermissionDenied("Only the programme office can set up a programme.")
    try:
        programme = Programme.objects.get(slug=slug)
    except Programme.DoesNotExist:
        raise Http404("No such programme.") from None
    if not programme_can_set_up(user, programme):
        raise Http404("No such programme.")
    return programme


def programme_part_get_for_setup(*, user, model, pk: int):
    """A workstream, locality, period or scheme of a programme, for its programme office (the same answers)."""
    if not programme_can_set_up(user):
        raise PermissionDenied("Only the programme office can set up a programme.")
    try:
        obj = model.objects.select_related("programme").get(pk=pk)
    except model.DoesNotExist:
        raise Http404("Not found.") from None
    if not programme_can_set_up(user, obj.programme):
        raise Http404("Not found.")
    return obj
