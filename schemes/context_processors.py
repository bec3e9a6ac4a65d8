from accounts.roles import user_programme_ids
from schemes.permissions import SESSION_PROGRAMME, programme_choices


def programme_picker(request):
    """The programme picker in the navigation, for people with a role on more than one programme: their
    programmes, and the one picked last (remembered in the session). One query, only for those people,
    and none on a page that has already read the list (schemes.permissions.programme_choices)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or len(user_programme_ids(user)) < 2:
        return {"picker_programmes": []}
    programmes = programme_choices(user)  # the page's own list if it read one: no second query
    remembered = request.session.get(SESSION_PROGRAMME) if hasattr(request, "session") else None
    current = next((p for p in programmes if p.slug == remembered), programmes[0] if programmes else None)
    return {"picker_programmes": programmes, "picker_current": current}
