from django import forms

from finance.forms import DateInput
from finance.models import Fund
from schemes.forms import SpreadsheetUploadForm


class WorkbookLoadForm(SpreadsheetUploadForm):
    """The workbook, the fund its Allocations sheet belongs to, and the decision behind any money it moves."""

    fund = forms.ModelChoiceField(
        queryset=Fund.objects.none(),
        required=False,
        help_text="The fund the Allocations sheet's money comes from (needed only when that sheet has rows).",
    )
    decision_title = forms.CharField(
        label="Decision title",
        max_length=300,
        required=False,
        help_text="Needed when the workbook moves money, e.g. “Section 75 agreement 2024/25: scheme allocations”.",
    )
    decision_body = forms.CharField(
        label="Decision-making body", max_length=200, required=False, help_text="e.g. Health and Wellbeing Board."
    )
    decision_date = forms.DateField(label="Date of decision", required=False, widget=DateInput)

    def __init__(self, *args, programme, **kwargs):
        super().__init__(*args, **kwargs)
        funds = Fund.objects.filter(programme=programme).order_by("name")
        self.fields["fund"].queryset = funds
        self.fields["file"].help_text = "The programme workbook downloaded from this page, filled in."
        if len(funds) == 1:
            self.fields["fund"].initial = funds[0].pk

    def decision(self) -> dict:
        data = self.cleaned_data
        day = data.get("decision_date")
        return {
            "title": data.get("decision_title", ""),
            "body": data.get("decision_body", ""),
            "decided_on": day.isoformat() if day else "",
        }
