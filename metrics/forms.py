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
