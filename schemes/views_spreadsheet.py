"""Excel download and upload of a programme's schemes and milestones (being written)."""

from django.http import Http404


def programme_export(request, programme: str):
    raise Http404("Not built yet.")


def programme_import(request, programme: str):
    raise Http404("Not built yet.")
