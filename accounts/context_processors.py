from accounts.roles import Role, user_roles


def navigation(request):
    """Navigation entries the signed-in user's roles allow (the server still checks every page)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": [], "user_role_names": []}
    roles = user_roles(user)
    items = [
        {"label": "Dashboard", "url_name": "dashboard:index"},
        {"label": "Schemes", "url_name": "schemes:list"},
        {"label": "Risks", "url_name": "risks:register"},
        {"label": "Money", "url_name": "finance:list"},
        {"label": "Metrics", "url_name": "metrics:list"},
        {"label": "Business cases", "url_name": "cases:portfolio"},
        {"label": "Reports", "url_name": "reporting:index"},
    ]
    if Role.PROGRAMME_OFFICE in roles:
        # Setting up the programme (schemes.permissions.programme_can_set_up decides on the pages themselves).
        items.append({"label": "Set up", "url_name": "setup:index"})
    if Role.PROJECT_LEAD in roles:
        items.append({"label": "My schemes", "url_name": "schemes:mine"})
    return {
        "nav_items": items,
        "user_role_names": sorted(role.label for role in roles),
        "user_can_admin": user.is_superuser,  # the admin is for superusers only (accounts/admin.py)
    }
