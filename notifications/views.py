from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from notifications import permissions, selectors, services
from notifications.forms import DigestPreferenceForm, MarkReadForm

PER_PAGE = 50


def notification_list(request):
    """The signed-in person's notifications, newest first, unread ones marked."""
    permissions.require_notification_reader(request.user)
    page = Paginator(selectors.notifications_for(request.user), PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "notifications/list.html",
        {"page": page, "notifications": list(page.object_list), "unread": selectors.unread_count(request.user)},
    )


@require_POST
def notification_mark_read(request):
    """Mark one notification (or, without one, all of them) as read. Only the person's own are touched."""
    permissions.require_notification_reader(request.user)
    form = MarkReadForm(request.POST)
    one = form.cleaned_data.get("notification") if form.is_valid() else None
    marked = services.notifications_mark_read(user=request.user, ids=[one] if one else None)
    if not one:
        messages.success(request, f"{marked} notification{'s' if marked != 1 else ''} marked as read.")
    return redirect("notifications:list")


def digest_preference(request):
    """Opt in or out of the weekly e-mail of what is due."""
    permissions.require_notification_reader(request.user)
    preference = services.digest_preference_get(request.user)
    # Bound on any POST: an unticked box sends nothing, and an empty POST still means "no".
    form = DigestPreferenceForm(
        request.POST if request.method == "POST" else None, initial={"weekly_digest": preference.weekly_digest}
    )
    if request.method == "POST" and form.is_valid():
        on = form.cleaned_data["weekly_digest"]
        services.digest_preference_set(user=request.user, weekly_digest=on)
        messages.success(
            request, "You will get the weekly e-mail of what is due." if on else "You will not get the weekly e-mail."
        )
        return redirect("notifications:digest")
    return render(
        request, "notifications/digest.html", {"form": form, "email": request.user.email, "preference": preference}
    )
