"""The roles of a BCF programme, held as Django groups. Role checks start here; each app's permissions.py decides
what a role may do there."""

from django.db import models


class Role(models.TextChoices):
    PROGRAMME_OFFICE = "Programme office", "Programme office"
    PROJECT_LEAD = "Project lead", "Project lead"
    STEERING_GROUP = "Steering group", "Steering group"
    BOARD_SECRETARY = "Board secretary", "Board secretary"
    FINANCE_OFFICER = "Finance officer", "Finance officer"
    # Secretary to the governance bodies a scheme's papers go to (TSG, CC&FC, PRAP): records what they decided.
    GOVERNANCE_SECRETARY = "Governance secretary", "Governance secretary"


def user_roles(user) -> frozenset[Role]:
    """The roles a user holds (a superuser counts as programme office). Cached per request object."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return frozenset()
    cached = getattr(user, "_bcf_roles", None)
    if cached is not None:
        return cached
    valid = {role.value for role in Role}
    roles = {Role(name) for name in user.groups.values_list("name", flat=True) if name in valid}
    if user.is_superuser:
        roles.add(Role.PROGRAMME_OFFICE)
    user._bcf_roles = frozenset(roles)
    return user._bcf_roles


def has_role(user, *roles: Role) -> bool:
    return bool(user_roles(user) & set(roles))
