"""Forms for metrics. They check the shape of input; the rules (periods, units, versions) are in services."""

from django import forms

from core.natural import natural_order
from metrics.models import Frequency, Metric


class ActualForm(forms.Form):
    actual = forms.CharField(
        required=False, max_length=30, help_text="Leave blank to clear a figure entered by mistake."
    )
    note = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=4000)
    version = forms.IntegerField(widget=forms.HiddenInput)


class MetricForm(forms.ModelForm):
    class Meta:
        model = Metric
        fields = [
            "scheme",
            "code",
            "name",
            "description",
            "unit",
            "direction",
            "frequency",
            "source",
            "baseline_label",
            "baseline_value",
            "target_note",
            "tolerance_percent",
            "is_demo",
        ]

    def __init__(self, *args, programme, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["scheme"].queryset = programme.schemes.order_by(natural_order("ref_key"), "name")
        self.fields["scheme"].required = False
        self.fields["scheme"].empty_label = "— programme metric —"


class PlanForm(forms.Form):
    """A plan for a run of periods from a baseline and a change (e.g. −3.5% on 2014/15's monthly average)."""

    first_period = forms.CharField(max_length=30, help_text="e.g. Apr 2015, 2015/16 Q1 or 2015/16.")
    periods = forms.IntegerField(min_value=1, max_value=120, initial=12)
    per_period = forms.CharField(
        label="Baseline per period", max_length=30, help_text="The baseline for one period, e.g. 2014/15 ÷ 12."
    )
    change_percent = forms.DecimalField(
        label="Change (%)", max_digits=7, decimal_places=2, initial=0, help_text="e.g. −3.5 for 3.5% fewer."
    )


class UploadForm(forms.Form):
    file = forms.FileField(help_text="The metrics template (.xlsx) or a .csv with the same columns.")


FREQUENCY_CHOICES = Frequency.choices


class HeadlineActualForm(forms.Form):
    """A headline metric's figures for one period: the actual is computed (numerator ÷ denominator × per)."""

    numerator = forms.CharField(required=False, max_length=30)
    denominator = forms.CharField(required=False, max_length=30)
    note = forms.CharField(
        label="Commentary", widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=4000
    )
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, definition=None, **kwargs):
        super().__init__(*args, **kwargs)
        if definition is not None:
            self.fields["numerator"].help_text = definition.numerator
            self.fields["denominator"].help_text = definition.denominator
        self.fields["numerator"].help_text += ". Leave both blank to clear a figure entered by mistake."


class HeadlineSetupForm(forms.Form):
    """The plan for a headline metric's year: a figure per quarter or per month, April to March."""

    frequency = forms.ChoiceField(choices=())
    plans = forms.CharField(
        label="Plan per period",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        help_text="One figure per period from April, separated by spaces or new lines: 4 for quarters, 12 for months.",
    )
    versions = forms.CharField(widget=forms.HiddenInput, required=False, max_length=500)

    def __init__(self, *args, frequencies=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["frequency"].choices = [(f, Frequency(f).label) for f in frequencies]

    def clean_plans(self) -> list[str]:
        # Figures are split on spaces, new lines and semicolons; a comma inside a figure groups thousands (5,800).
        parts = self.cleaned_data["plans"].replace(";", " ").split()
        return [part.rstrip(",") for part in parts if part.rstrip(",")]

    def clean_versions(self) -> list[int] | None:
        text = self.cleaned_data["versions"].strip()
        if not text:
            return None
        try:
            return [int(v) for v in text.split(",")]
        except ValueError:
            raise forms.ValidationError("The form was changed: open it again.") from None
