"""The search page behind the navigation's search box."""

from django.shortcuts import render
from django.views.decorators.http import require_GET

from schemes.permissions import require_programme_reader
from search import selectors


@require_GET
def search(request):
    """Records of the user's programmes matching `q`; an account with no role is refused (403) as everywhere."""
    require_programme_reader(request.user)
    text = request.GET.get("q", "")
    results = selectors.search(user=request.user, text=text)
    return render(
        request,
        "search/results.html",
        {"results": results, "min_length": selectors.MIN_LENGTH, "per_kind": selectors.PER_KIND},
    )
