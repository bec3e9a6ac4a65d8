from django import forms

from core.forms import VersionedForm
from core.rag import RAG


class MilestoneCompleteForm(VersionedForm):
    completed_on = forms.DateField(label="Completed on")


class MilestoneMoveForm(VersionedForm):
    new_date = forms.DateField(label="New date")
    reason = forms.CharField(label="Why is the date moving?", widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)


class MilestoneRagForm(VersionedForm):
    rag = forms.ChoiceField(label="Milestone RAG", choices=[("", "Use the suggestion"), *RAG.choices], required=False)
    reason = forms.CharField(
        label="Reason (needed when it differs from the suggestion)", required=False, max_length=2000
    )


class MilestoneAddForm(forms.Form):
    phase = forms.CharField(label="Phase", max_length=20, required=False)
    description = forms.CharField(label="Milestone", widget=forms.Textarea(attrs={"rows": 2}), max_length=5000)
    start_date = forms.DateField(label="Start (only for a date range)", required=False)
    due_date = forms.DateField(label="Date")

    def clean(self):
        data = super().clean()
        if data.get("start_date") and data.get("due_date") and data["start_date"] > data["due_date"]:
            self.add_error("due_date", "The end of the date range cannot be before its start.")
        return data
