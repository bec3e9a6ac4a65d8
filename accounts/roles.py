"""The roles of a BCF programme, held per programme as memberships (accounts.models.Membership). Role checks start
here; each app's permissions.py decides what a role may do there.

A person's memberships are read once per request (one query, cached on the user object) and then answered from
memory for any programme: `has_role(user, Role.PROGRAMME_OFFICE, programme=scheme.programme)`. Without a programme
the question is "on any programme" (used only to decide whether to show a page at all; the objects on it are
then scoped to the user's programmes). A superuser counts as programme office on every programme.
"""

from accounts.models import Membership, Role

__all__ = ["Role", "has_role", "role_memberships", "roles_forget", "user_programme_ids", "user_roles"]


def _programme_id(programme) -> int | None:
    return programme if programme is None or isinstance(programme, int) else programme.pk


def _active(user) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and user.is_active


def role_memberships(user) -> dict[int, frozenset[Role]]:
    """{programme id: roles held there today}, from the user's active memberships. One query per request object."""
    if not _active(user):
        return {}
    cached = getattr(user, "_bcf_memberships", None)
    if cached is not None:
        return cached
    valid = {role.value for role in Role}
    held: dict[int, set[Role]] = {}
    for programme_id, role in Membership.objects.active().filter(user=user).values_list("programme_id", "role"):
        if role in valid:
            held.setdefault(programme_id, set()).add(Role(role))
    user._bcf_memberships = {pk: frozenset(roles) for pk, roles in held.items()}
    return user._bcf_memberships


def user_programme_ids(user) -> frozenset[int]:
    """The programmes the user may see: those they hold a role on (every programme, for a superuser)."""
    if not _active(user):
        return frozenset()
    if user.is_superuser:
        cached = getattr(user, "_bcf_all_programmes", None)
        if cached is None:
            programme_model = Membership._meta.get_field("programme").related_model
            cached = frozenset(programme_model._default_manager.values_list("pk", flat=True))
            user._bcf_all_programmes = cached
        return cached
    return frozenset(role_memberships(user))


def user_roles(user, programme=None) -> frozenset[Role]:
    """The roles a user holds on a programme (or, without one, on any programme). A superuser counts as programme
    office everywhere."""
    if not _active(user):
        return frozenset()
    memberships = role_memberships(user)
    if programme is None:
        roles = set().union(*memberships.values()) if memberships else set()
    else:
        roles = set(memberships.get(_programme_id(programme), ()))
    if user.is_superuser:
        roles.add(Role.PROGRAMME_OFFICE)
    return frozenset(roles)


def has_role(user, *roles: Role, programme=None) -> bool:
    return bool(user_roles(user, programme) & set(roles))


def roles_forget(user) -> None:
    """Drop the per-request cache (after a membership changes in the same request or test)."""
    for name in ("_bcf_memberships", "_bcf_all_programmes", "_bcf_programme_choices"):
        if hasattr(user, name):
            delattr(user, name)
