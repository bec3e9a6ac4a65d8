"""Forms for business cases: they check the shape of input; the rules (years, months, shares, who) are in services."""

import re

from django import forms

from cases.models import InvestmentKind, Scenario
from core.forms import VersionedForm

_SHARE = re.compile(r"^(?P<partner>.*?)[\s:,=]+(?P<percent>\d+(?:\.\d+)?)\s*%?$")


def shares_parse(text: str) -> list[tuple[str, str]]:
    """'Central Manchester CCG 70' per line → [("Central Manchester CCG", "70")]."""
    shares = []
    for line in (text or "").splitlines():
        if not line.strip():
            continue
        match = _SHARE.match(line.strip())
        if match is None:
            raise forms.ValidationError(
                f"“{line.strip()}”: write a partner then its percentage, e.g. “Central CCG 70”."
            )
        shares.append((match["partner"].strip(), match["percent"]))
    return shares


class CaseForm(forms.Form):
    title = forms.CharField(max_length=200)
    scheme = forms.ModelChoiceField(queryset=None, required=False, empty_label="— a proposal, not yet a scheme —")
    first_year = forms.IntegerField(min_value=2000, max_value=2100, help_text="e.g. 2012 for 2012/13.")
    years = forms.IntegerField(min_value=1, max_value=15, initial=3)
    summary = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)

    def __init__(self, *args, schemes, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["scheme"].queryset = schemes


class ScenarioForm(forms.Form):
    name = forms.CharField(max_length=120, help_text="e.g. 15-day process.")
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)
    copy_from = forms.ModelChoiceField(queryset=None, required=False, empty_label="— start empty —")

    def __init__(self, *args, case, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["copy_from"].queryset = Scenario.objects.filter(case=case)


class InvestmentForm(forms.Form):
    description = forms.CharField(max_length=200)
    kind = forms.ChoiceField(choices=InvestmentKind.choices)
    amount = forms.CharField(max_length=30, help_text="£; a year's cost when recurrent.")
    first_year = forms.IntegerField(help_text="e.g. 2012 for 2012/13.")
    first_year_months = forms.CharField(label="Months in the first year", max_length=5, initial="12")
    last_year = forms.IntegerField(required=False, help_text="Blank: to the end of the case.")
    reason = forms.CharField(label="Why (source or assumption)", widget=forms.Textarea(attrs={"rows": 2}))


class BenefitForm(forms.Form):
    description = forms.CharField(max_length=200)
    activity = forms.CharField(label="Activity avoided a year", max_length=30)
    activity_unit = forms.CharField(max_length=80, help_text="e.g. bed days, admissions.")
    unit_cost = forms.CharField(label="Unit cost (£)", max_length=30)
    unit_cost_source = forms.CharField(max_length=300)
    cashable = forms.BooleanField(required=False, initial=True)
    first_year = forms.IntegerField()
    first_year_months = forms.CharField(label="Months in the first year", max_length=5, initial="12")
    last_year = forms.IntegerField(required=False)
    shares = forms.CharField(
        label="Share per commissioner or partner",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="One a line, adding up to 100: “Central Manchester CCG 70”.",
    )
    reason = forms.CharField(label="Why (source or assumption)", widget=forms.Textarea(attrs={"rows": 2}))

    def clean_shares(self):
        return shares_parse(self.cleaned_data["shares"])


class BenefitEditForm(VersionedForm):
    activity = forms.CharField(label="Activity avoided a year", max_length=30)
    first_year_months = forms.CharField(label="Months in the first year", max_length=5)
    reason = forms.CharField(label="Why it changes", widget=forms.Textarea(attrs={"rows": 2}))


class UnitCostForm(VersionedForm):
    unit_cost = forms.CharField(label="Unit cost (£)", max_length=30)
    unit_cost_source = forms.CharField(max_length=300)
    reason = forms.CharField(label="Why", widget=forms.Textarea(attrs={"rows": 2}))


class MeasureForm(VersionedForm):
    metric = forms.ModelChoiceField(queryset=None, label="Measured by metric or KPI")
    baseline = forms.CharField(
        required=False, max_length=30, help_text="The level per metric period before the change (blank: the metric's)."
    )

    def __init__(self, *args, metrics, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["metric"].queryset = metrics


class DecideForm(VersionedForm):
    decision = forms.ModelChoiceField(
        queryset=None, required=False, empty_label="— choose the body's decision —", label="Decision"
    )

    def __init__(self, *args, approvals, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["decision"].queryset = approvals


class RiskLinkForm(forms.Form):
    risk = forms.ModelChoiceField(queryset=None, label="Risk on the register")

    def __init__(self, *args, risks, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["risk"].queryset = risks
