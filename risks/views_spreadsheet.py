"""Excel download and upload of the risk register (being written)."""

from django.http import Http404


def register_export(request, programme: str):
    raise Http404("Not built yet.")


def register_import(request, programme: str):
    raise Http404("Not built yet.")
