from django import forms

from reporting.highlight import COVER_FIELDS
from reporting.models import HighlightCover
from reporting.selectors import DEFAULT_MEETING


class CoverForm(forms.ModelForm):
    # The cover's version when the form was opened, 0 when there was none yet: a save on top of someone
    # else's is refused, including two people writing the first cover at once.
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)

    class Meta:
        model = HighlightCover
        fields = list(COVER_FIELDS)
        widgets = {
            "report_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "purpose": forms.Textarea(attrs={"rows": 2}),
            "recommendations": forms.Textarea(attrs={"rows": 2}),
            "contact": forms.Textarea(attrs={"rows": 2}),
            "introduction": forms.Textarea(attrs={"rows": 6}),
            "steering_group": forms.Textarea(attrs={"rows": 6}),
            "conclusion": forms.Textarea(attrs={"rows": 2}),
        }


class IssueForm(forms.Form):
    meeting = forms.CharField(max_length=200, initial=DEFAULT_MEETING, help_text="The meeting the report goes to.")
    meeting_date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    with_changes = forms.BooleanField(
        required=False,
        initial=True,
        label="Add the appendix of changes since the last board",
        help_text="RAG moves, milestones completed or slipped, new or re-scored risks, money movements.",
    )
    reissue = forms.BooleanField(
        required=False, label="Re-issue", help_text="Issue a new version for a meeting that already has one."
    )
    reason = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 2}), label="Reason for re-issuing", max_length=2000
    )
    # The latest version issued for the meeting when the page was opened (0: none), so a double click or
    # someone else's issue in between cannot make a version nobody meant.
    expected_version = forms.IntegerField(widget=forms.HiddenInput, min_value=0, required=False)
    # The meeting and date that version was read for: a version seen for one sitting says nothing about another.
    seen_meeting = forms.CharField(widget=forms.HiddenInput, required=False, max_length=200)
    seen_meeting_date = forms.DateField(widget=forms.HiddenInput, required=False)
