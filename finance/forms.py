"""Forms for money. They check the shape of input; the rules (balances, closed years, decisions) are in services."""

from decimal import Decimal

from django import forms

from core.forms import VersionedForm
from core.natural import natural_order
from finance.models import FinancialYear, Fund, FundKind
from schemes.models import Scheme

MONEY_FIELD = {"max_digits": 14, "decimal_places": 2, "min_value": Decimal("0")}
AMOUNT_HELP = "In pounds, e.g. 2074000 or 2074000.00."


class DateInput(forms.DateInput):
    """A browser date picker: its value must be ISO (YYYY-MM-DD), not the UK format the app prints, or an
    edit form opens with the date blank."""

    input_type = "date"

    def __init__(self, attrs=None, format="%Y-%m-%d"):
        super().__init__(attrs, format)


class YearChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.label}{' (closed)' if obj.is_closed else ''}"


def _year_field(**kwargs):
    return YearChoiceField(
        queryset=FinancialYear.objects.all(),
        label="Financial year",
        empty_label=None,
        help_text="The year the money moves in. Closed years are refused.",
        **kwargs,
    )


class DecisionForm(forms.Form):
    """The decision record every movement carries (Trafford's reports end with exactly these boxes).

    Saving it proposes the decision. A finance officer then gives clearance in the app, and someone other than the
    proposer approves it: no box here approves it or stands in for the finance officer's clearance.
    """

    title = forms.CharField(max_length=300, help_text="e.g. Transformation Fund – re-purpose of the funding.")
    body = forms.CharField(label="Decision-making body", max_length=200, help_text="e.g. Executive, Governing Body.")
    decided_on = forms.DateField(label="Date of decision", widget=DateInput)
    reference = forms.CharField(
        max_length=200,
        required=False,
        help_text="Report, minute or key decision reference. Needed for a key decision.",
    )
    key_decision = forms.BooleanField(label="Key decision (as defined in the Constitution)", required=False)
    notice_given = forms.BooleanField(label="28-day notice given", required=False)
    legal_clearance = forms.CharField(
        label="Legal officer clearance",
        max_length=100,
        required=False,
        help_text="The legal officer's name or initials, as the report prints them.",
    )

    def decision_fields(self) -> dict:
        return dict(self.cleaned_data)


class DecisionEditForm(DecisionForm):
    version = forms.IntegerField(widget=forms.HiddenInput)

    def decision_fields(self) -> dict:
        data = dict(self.cleaned_data)
        data.pop("version", None)
        return data


class VersionForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)


class RejectForm(VersionForm):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)


class AllocationCreateForm(forms.Form):
    initiative = forms.CharField(max_length=200)
    workstream = forms.CharField(max_length=200, required=False)
    scheme_name = forms.CharField(label="Scheme", max_length=200)
    scheme = forms.ModelChoiceField(
        queryset=Scheme.objects.none(),
        required=False,
        label="Programme scheme",
        help_text="Link the allocation to a scheme so its money shows on the scheme's page.",
    )
    amount = forms.DecimalField(label="Amount (£)", help_text=AMOUNT_HELP, **MONEY_FIELD)
    financial_year = _year_field()
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), max_length=2000, required=False)
    note = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), max_length=2000, required=False)

    def __init__(self, *args, fund: Fund, **kwargs):
        super().__init__(*args, **kwargs)
        # Only the fund's own programme's schemes: another programme's are not offered (nor accepted).
        self.fields["scheme"].queryset = Scheme.objects.filter(programme_id=fund.programme_id).order_by(
            natural_order("ref_key")
        )


class AllocationChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.path


class RepurposingForm(forms.Form):
    """Up to five sources and five destinations; the unallocated pot can be either."""

    ROWS = 5
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)
    financial_year = YearChoiceField(
        queryset=FinancialYear.objects.all(),
        label="Financial year",
        required=False,
        empty_label="The year of the date of decision",
        help_text="The year the money moves in: by default the one the decision's date falls in. Closed years are "
        "refused.",
    )

    def __init__(self, *args, fund: Fund, **kwargs):
        super().__init__(*args, **kwargs)
        # Only the fund's own years (all years for a fund that has not named its years).
        if fund.pk and fund.financial_years.exists():
            self.fields["financial_year"].queryset = fund.financial_years.order_by("start_year")
        allocations = fund.allocations.filter(status="going_forward").order_by("order", "id")
        for side in ("from", "to"):
            for i in range(self.ROWS):
                self.fields[f"{side}_{i}_allocation"] = AllocationChoiceField(
                    queryset=allocations,
                    required=False,
                    empty_label="Unallocated pot" if i == 0 else "—",
                    label=f"{'From' if side == 'from' else 'To'} ({i + 1})",
                )
                self.fields[f"{side}_{i}_amount"] = forms.DecimalField(
                    required=False,
                    label=f"Amount {'from' if side == 'from' else 'to'} ({i + 1}) (£)",
                    **MONEY_FIELD,
                )

    def rows(self, side: str) -> list[tuple[str, str]]:
        return [(self[f"{side}_{i}_allocation"], self[f"{side}_{i}_amount"]) for i in range(self.ROWS)]

    def clean(self):
        data = super().clean()
        for side in ("from", "to"):
            picked = []
            for i in range(self.ROWS):
                allocation, amount = data.get(f"{side}_{i}_allocation"), data.get(f"{side}_{i}_amount")
                if amount is None:
                    if allocation is not None:
                        self.add_error(f"{side}_{i}_amount", "Give the amount for this allocation.")
                    continue
                # The first row's empty choice means the unallocated pot; later empty rows are unused.
                if allocation is None and i > 0:
                    self.add_error(f"{side}_{i}_allocation", "Choose the allocation for this amount.")
                    continue
                picked.append((allocation, amount))
            data[side] = picked
            if not picked and not self.errors:
                self.add_error(None, f"Give at least one {'source' if side == 'from' else 'destination'}.")
        return data


class DiscontinueForm(forms.Form):
    spend_to_date = forms.DecimalField(
        label="Estimated spend to date (£)",
        help_text="Kept against the scheme; the rest goes back to the unallocated pot.",
        **MONEY_FIELD,
    )
    financial_year = _year_field()
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)


class ReversalForm(forms.Form):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)


class SpendForm(forms.Form):
    financial_year = _year_field()
    quarter = forms.TypedChoiceField(choices=[(q, f"Q{q}") for q in (1, 2, 3, 4)], coerce=int)
    planned = forms.DecimalField(label="Planned spend (£)", required=False, **MONEY_FIELD)
    actual = forms.DecimalField(label="Actual spend (£)", required=False, max_digits=14, decimal_places=2)
    forecast_outturn = forms.DecimalField(
        label="Forecast outturn (£)",
        required=False,
        max_digits=14,
        decimal_places=2,
        help_text="What the allocation will have spent in the end, as known now (negative for savings applied).",
    )
    note = forms.CharField(max_length=2000, required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class FundImportForm(forms.Form):
    KINDS = [("allocations", "Allocations (new lines and changed amounts)"), ("spend", "Quarterly spend and forecasts")]
    kind = forms.ChoiceField(choices=KINDS, widget=forms.RadioSelect, initial="allocations")
    file = forms.FileField(help_text="An .xlsx workbook laid out like the download.")


class AllocationLinkForm(VersionForm):
    """Which of the programme's schemes an allocation pays for (blank: none)."""

    scheme = forms.ModelChoiceField(
        queryset=Scheme.objects.none(),
        required=False,
        label="Programme scheme",
        help_text="The scheme this money pays for: its money then shows on the scheme's page and in the dashboard's "
        "workstream, locality and lead filters.",
    )

    def __init__(self, *args, allocation, **kwargs):
        super().__init__(*args, **kwargs)
        schemes = Scheme.objects.order_by("ref")
        if allocation.fund.programme_id:
            schemes = schemes.filter(programme_id=allocation.fund.programme_id)
        self.fields["scheme"].queryset = schemes


# --- Setting up a programme's money (issue 17) -----------------------------------------------------------------


class FinancialYearAddForm(forms.Form):
    start_year = forms.CharField(label="Financial year", max_length=9, help_text="e.g. 2025/26 (April to March)")


class YearsChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.label}{' (closed)' if obj.is_closed else ''}"


class FundSetupForm(VersionedForm):
    name = forms.CharField(max_length=200, help_text="e.g. Better Care Fund pooled budget 2025/26")
    kind = forms.ChoiceField(choices=FundKind.choices, initial=FundKind.POOLED)
    section_75 = forms.BooleanField(label="Pooled under a section 75 agreement (CCG/ICB and council)", required=False)
    risk_share = forms.CharField(label="Risk share", widget=forms.Textarea(attrs={"rows": 2}), required=False)
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)
    years = YearsChoiceField(
        label="Financial years",
        queryset=FinancialYear.objects.order_by("start_year"),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )


def _source_choices(year) -> list[tuple[str, str]]:
    return [("", "(none)")] + ([(s.code, s.name) for s in year.funding_sources] if year else [])


class ContributionAddForm(forms.Form):
    contributor = forms.CharField(max_length=200, help_text="e.g. NHS Trafford ICB, Trafford Council")
    funding_source = forms.ChoiceField(
        label="Source of funding",
        required=False,
        choices=[("", "(none)")],
        help_text="The BCF source this money is (from the programme's policy year); a contribution from a source is "
        "for one financial year.",
    )
    # Text, so the service reads it as exact pounds and pence and refuses a negative or zero amount in words.
    amount = forms.CharField(label="Amount (£)", max_length=30, help_text=AMOUNT_HELP)
    financial_year = YearChoiceField(
        queryset=FinancialYear.objects.filter(is_closed=False).order_by("start_year"),
        label="Financial year",
        required=False,
        empty_label="(not for one year)",
    )
    note = forms.CharField(max_length=500, required=False)

    def __init__(self, *args, policy_year=None, **kwargs):
        super().__init__(*args, **kwargs)
        if policy_year is None:
            del self.fields["funding_source"]  # a fund whose year sets out no sources (e.g. a Transformation Fund)
        else:
            self.fields["funding_source"].choices = _source_choices(policy_year)


class NhsMinimumForm(VersionedForm):
    """The required NHS minimum contribution to adult social care for one of the fund's years."""

    financial_year = YearChoiceField(queryset=FinancialYear.objects.none(), label="Financial year", empty_label=None)
    # Text, so the service reads exact pounds and pence and refuses a negative amount in words.
    required = forms.CharField(
        label="Required NHS minimum contribution to adult social care (£)", max_length=30, help_text=AMOUNT_HELP
    )
    note = forms.CharField(max_length=500, required=False, help_text="Where the figure comes from.")

    def __init__(self, *args, years, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["financial_year"].queryset = years


class PlanFieldsForm(forms.Form):
    """An allocation's expenditure plan columns; the choices are the programme's policy year's, and the service
    checks them again (a sub-type must belong to the scheme type, only NHS minimum lines count to ASC)."""

    scheme_type = forms.ChoiceField(label="Scheme type", required=False)
    sub_type = forms.ChoiceField(label="Sub-type", required=False)
    commissioner = forms.CharField(max_length=200, required=False)
    provider = forms.CharField(max_length=200, required=False)
    funding_source = forms.ChoiceField(label="Source of funding", required=False)
    outputs_planned = forms.DecimalField(
        label="Outputs/activity planned", required=False, max_digits=14, decimal_places=2
    )
    outputs_unit = forms.CharField(label="Unit", max_length=100, required=False, help_text="e.g. packages, hours")
    outputs_delivered = forms.DecimalField(
        label="Outputs/activity delivered", required=False, max_digits=14, decimal_places=2
    )
    counts_to_asc_minimum = forms.BooleanField(
        label="Counts towards the NHS minimum contribution to adult social care", required=False
    )

    def __init__(self, *args, policy_year, **kwargs):
        super().__init__(*args, **kwargs)
        types = list(policy_year.scheme_types) if policy_year else []
        self.fields["scheme_type"].choices = [("", "(none)")] + [(t.code, t.name) for t in types]
        self.fields["sub_type"].choices = [("", "(none)")] + [
            (t.name, [(sub, sub) for sub in t.sub_types]) for t in types if t.sub_types
        ]
        self.fields["funding_source"].choices = _source_choices(policy_year)

    def plan_fields(self) -> dict:
        data = dict(self.cleaned_data)
        data.pop("version", None)
        return data


class AllocationPlanForm(PlanFieldsForm, VersionForm):
    """Changing an existing line's columns: the version it was opened at, so a stale change is refused."""
