import django_filters
from django import forms
from django.utils import timezone

from accounts.models import User
from core.natural import natural_order
from core.widgets import FastSelect
from risks.models import Risk, RiskStatus
from risks.scoring import Grade
from risks.selectors import grade_filter
from schemes.models import Programme


class RiskFilter(django_filters.FilterSet):
    # Plain choices, not a ModelChoiceFilter: a programme can have hundreds of schemes, and building a
    # model instance per option cost more than the rest of the page.
    scheme = django_filters.ChoiceFilter(field_name="schemes", choices=(), empty_label="All schemes", widget=FastSelect)
    owner = django_filters.ModelChoiceFilter(queryset=User.objects.none(), empty_label="All owners", widget=FastSelect)
    grade = django_filters.ChoiceFilter(
        label="Grade", choices=Grade.choices, method="filter_grade", empty_label="Any grade"
    )
    status = django_filters.ChoiceFilter(choices=RiskStatus.choices, empty_label="Any status")
    on_assurance_framework = django_filters.BooleanFilter(
        label="On assurance framework", widget=forms.Select(choices=[("", "Either"), ("true", "Yes"), ("false", "No")])
    )
    review_overdue = django_filters.BooleanFilter(
        label="Review overdue",
        method="filter_review_overdue",
        widget=forms.Select(choices=[("", "Either"), ("true", "Yes"), ("false", "No")]),
    )
    likelihood = django_filters.NumberFilter(widget=forms.HiddenInput)
    consequence = django_filters.NumberFilter(widget=forms.HiddenInput)

    class Meta:
        model = Risk
        fields = [
            "scheme",
            "owner",
            "grade",
            "status",
            "on_assurance_framework",
            "review_overdue",
            "likelihood",
            "consequence",
        ]

    def __init__(self, *args, programme: Programme, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["scheme"].extra["choices"] = [
            (pk, f"{ref} {name}")
            for pk, ref, name in programme.schemes.exclude(ref="")
            .order_by(natural_order("ref_key"))
            .values_list("pk", "ref", "name")
        ]
        self.filters["owner"].queryset = (
            User.objects.filter(owned_risks__programme=programme).distinct().order_by("last_name")
        )
        for field in self.form.fields.values():
            if not isinstance(field.widget, forms.HiddenInput):
                field.widget.attrs.setdefault("class", "form-select")

    def filter_ignoring_cell(self, queryset):
        """The same filters without the heat-map cell, so the map keeps every cell while the list narrows."""
        if not self.is_bound or not self.form.is_valid():
            return queryset
        for name, value in self.form.cleaned_data.items():
            if name not in ("likelihood", "consequence"):
                queryset = self.filters[name].filter(queryset, value)
        return queryset

    def filter_grade(self, queryset, name, value):
        return queryset.filter(grade_filter(value)) if value else queryset

    def filter_review_overdue(self, queryset, name, value):
        if value is None:
            return queryset
        overdue = {"status": RiskStatus.OPEN, "next_review_date__lt": timezone.localdate()}
        return queryset.filter(**overdue) if value else queryset.exclude(**overdue)
