from accounts.roles import user_programme_ids
from notifications.selectors import unread_count
from schemes.permissions import SESSION_PROGRAMME, programme_choices
from schemes.selectors import inbox_waiting_count


def _once(compute):
    """A value the template computes only if it shows it (not on htmx fragments), and then once."""
    found: list = []

    def value():
        if not found:
            found.append(compute())
        return found[0]

    return value


def programme_picker(request):
    """The programme picker in the navigation, for people with a role on more than one programme: their
    programmes, and the one picked last (remembered in the session). One query, only for those people, only if
    the page shows the picker (an error page does not: templates/403.html), and none on a page that has already
    read the list (schemes.permissions.programme_choices)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or len(user_programme_ids(user)) < 2:
        return {"picker_programmes": []}
    programmes = _once(lambda: programme_choices(user))  # the page's own list if it read one: no second query

    def current():
        remembered = request.session.get(SESSION_PROGRAMME) if hasattr(request, "session") else None
        return next((p for p in programmes() if p.slug == remembered), programmes()[0] if programmes() else None)

    return {"picker_programmes": programmes, "picker_current": _once(current)}


def inbox_badges(request):
    """The navigation's counts: what is waiting in the inbox, and unread notifications. `nav_counts` says the links
    are shown; the counts themselves are worked out only where the page shows them (not on an error page, whose
    template leaves them out: templates/403.html)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not user_programme_ids(user):
        return {}
    return {
        "nav_counts": True,
        "nav_inbox_count": _once(lambda: inbox_waiting_count(user)),
        "nav_unread_count": _once(lambda: unread_count(user)),
    }
