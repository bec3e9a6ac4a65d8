import django_filters
from django import forms
from django.db.models import Q

from accounts.models import User
from core.rag import RAG
from core.widgets import FastSelect
from schemes.models import Programme, SchemeStatus, Workstream


class SchemeFilter(django_filters.FilterSet):
    """Filters for the scheme list; `rag` filters on the annotated current RAG."""

    workstream = django_filters.ModelChoiceFilter(
        queryset=Workstream.objects.none(), empty_label="All workstreams", widget=FastSelect
    )
    lead = django_filters.ModelChoiceFilter(
        field_name="leads__user",
        queryset=User.objects.none(),
        empty_label="All leads",
        distinct=True,
        label="Project lead",
        widget=FastSelect,
    )
    rag = django_filters.ChoiceFilter(
        field_name="current_rag", choices=RAG.choices, empty_label="Any RAG", label="RAG", widget=FastSelect
    )
    status = django_filters.ChoiceFilter(choices=SchemeStatus.choices, empty_label="Any status", widget=FastSelect)
    q = django_filters.CharFilter(method="search", label="Search")

    def __init__(self, *args, programme: Programme, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["workstream"].queryset = programme.workstreams.all()
        self.filters["lead"].queryset = (
            User.objects.filter(scheme_leads__scheme__programme=programme)
            .distinct()
            .order_by("last_name", "first_name")
        )
        for field in self.form.fields.values():
            field.widget.attrs.setdefault(
                "class", "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            )

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(ref__icontains=value) | Q(name__icontains=value) | Q(description__icontains=value))
