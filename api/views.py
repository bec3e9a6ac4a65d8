"""Read-only JSON feeds, signed in by session or by a personal token (Authorization: Bearer …), and the page
where people make and revoke their tokens."""

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import EmptyPage, Paginator
from django.core.serializers.json import DjangoJSONEncoder
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from accounts.roles import user_programme_ids
from api import selectors, services
from api.models import ApiToken
from finance.models import Fund
from schemes.models import Programme
from schemes.permissions import can_view_programme_data, require_programme_reader

DEFAULT_PAGE_SIZE = 500
MAX_PAGE_SIZE = 5000


def _error(status: int, message: str) -> JsonResponse:
    response = JsonResponse({"error": message}, status=status)
    if status == 401:
        response["WWW-Authenticate"] = 'Bearer realm="bcf"'
    return response


def _feed_user(request):
    """The session's user, else the token's; None when neither."""
    header = request.headers.get("Authorization", "")
    if header.startswith("Bearer "):
        return services.token_user(header.removeprefix("Bearer ").strip())
    if request.user.is_authenticated:
        return request.user
    return None


def _page_size(request) -> int:
    try:
        size = int(request.GET.get("page_size") or DEFAULT_PAGE_SIZE)
    except ValueError:
        raise ValidationError("page_size must be a whole number.") from None
    if not 1 <= size <= MAX_PAGE_SIZE:
        raise ValidationError(f"page_size must be between 1 and {MAX_PAGE_SIZE}.")
    return size


# Feeds are read-only and signed in by header or session cookie; a token never rides on a cookie, and GET
# changes nothing, so there is nothing for CSRF to protect (other methods are refused).
@login_not_required
@csrf_exempt
def feed(request, name: str):
    if request.method not in ("GET", "HEAD"):
        return _error(405, "The feeds are read-only: use GET.")
    user = _feed_user(request)
    if user is None:
        return _error(401, "Sign in, or send a personal token as “Authorization: Bearer <token>”.")
    if not can_view_programme_data(user):
        return _error(403, "This account has no role in the programme.")
    if name == "":
        return JsonResponse(
            {
                "feeds": [
                    {
                        "name": key,
                        "description": text,
                        "url": request.build_absolute_uri(reverse("api:feed", args=[key])),
                    }
                    for key, (_fn, text) in selectors.FEEDS.items()
                ],
                "filters": "programme=<slug> (fund=<slug> for allocations), page, page_size (1 to 5000)",
            }
        )
    if name not in selectors.FEEDS:
        return _error(404, f"No feed called “{name}”. Feeds: {', '.join(selectors.FEEDS)}.")
    programme = fund = None
    mine = user_programme_ids(user)  # another partnership's programme or fund is as unknown as a wrong slug
    if slug := request.GET.get("programme"):
        programme = Programme.objects.filter(slug=slug, pk__in=mine).first()
        if programme is None:
            return _error(404, f"No programme “{slug}”.")
    if slug := request.GET.get("fund"):
        fund = Fund.objects.filter(slug=slug, programme_id__in=mine).first()
        if fund is None:
            return _error(404, f"No fund “{slug}”.")
    try:
        size = _page_size(request)
    except ValidationError as exc:
        return _error(400, exc.messages[0])
    queryset, row = selectors.FEEDS[name][0](programme_ids=mine, programme=programme, fund=fund)
    illustrated = selectors.illustrated_row
    paginator = Paginator(queryset, size)
    try:
        page = paginator.page(request.GET.get("page") or 1)
    except EmptyPage:
        return _error(404, "No such page.")
    except ValueError:
        return _error(400, "page must be a whole number.")

    def link(number):
        params = request.GET.copy()
        params["page"] = number
        return request.build_absolute_uri(f"{request.path}?{params.urlencode()}")

    return JsonResponse(
        {
            "count": paginator.count,
            "page": page.number,
            "pages": paginator.num_pages,
            "next": link(page.next_page_number()) if page.has_next() else None,
            "previous": link(page.previous_page_number()) if page.has_previous() else None,
            "results": [illustrated(row(item), item) for item in page.object_list],
        },
        encoder=DjangoJSONEncoder,
    )


def tokens(request):
    """The signed-in user's tokens: make one (shown once), see when each was last used, revoke."""
    require_programme_reader(request.user)
    new_token = None
    if request.method == "POST":
        try:
            token, new_token = services.token_create(user=request.user, name=request.POST.get("name", ""))
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, f"Not created: {message}")
            return redirect("api:tokens")
    return render(
        request,
        "api/tokens.html",
        {
            "tokens": ApiToken.objects.filter(user=request.user),
            "new_token": new_token,
            "feeds": selectors.FEEDS,
        },
    )


@require_POST
def token_revoke(request, pk: int):
    require_programme_reader(request.user)
    token = get_object_or_404(ApiToken, pk=pk)
    if token.user_id != request.user.pk:
        raise Http404("No such token.")  # someone else's token: not even its existence is shown
    try:
        services.token_revoke(token=token, by=request.user)
    except PermissionDenied:
        raise Http404("No such token.") from None
    messages.success(request, f"Token “{token.name}” revoked: it no longer works.")
    return redirect("api:tokens")
