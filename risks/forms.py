from django import forms

from accounts.models import User
from core.forms import VersionedForm
from core.natural import natural_order
from risks.models import ActionStatus, BoardEscalation, RiskCategory
from risks.selectors import risk_owner_candidates

# A browser's date input only takes ISO dates, whatever the site's display format.
DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
LIKELIHOOD = [(1, "1 Rare"), (2, "2 Unlikely"), (3, "3 Possible"), (4, "4 Likely"), (5, "5 Almost certain")]
CONSEQUENCE = [(1, "1 Negligible"), (2, "2 Minor"), (3, "3 Moderate"), (4, "4 Major"), (5, "5 Catastrophic")]


class RiskDetailsForm(VersionedForm):
    title = forms.CharField(max_length=200)
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}))
    cause = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)
    effect = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)
    category = forms.ChoiceField(choices=RiskCategory.choices)
    schemes = forms.ModelMultipleChoiceField(
        queryset=None, required=False, help_text="Leave empty for a programme-level risk."
    )
    owner = forms.ModelChoiceField(queryset=User.objects.filter(is_active=True).order_by("last_name"), required=False)
    owner_name = forms.CharField(label="Owner (if they have no account)", max_length=200, required=False)
    next_review_date = forms.DateField(required=False, widget=DATE_INPUT)
    on_assurance_framework = forms.BooleanField(required=False)
    assurance_reference = forms.CharField(label="Assurance framework reference", max_length=50, required=False)
    board_escalation = forms.ChoiceField(label="Report to the board", choices=BoardEscalation.choices)
    board_escalation_reason = forms.CharField(
        label="Why it is not reported to the board",
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        max_length=2000,
        help_text="Needed for “Do not report to the board” unless you are the programme office. Shown on the risk "
        "and in the register.",
    )

    def __init__(self, *args, programme, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["schemes"].queryset = programme.schemes.order_by(natural_order("ref_key"))
        # Owners are the partnership's people (and anyone already owning one of its risks): never another
        # partnership's (issue 17).
        self.fields["owner"].queryset = risk_owner_candidates(programme).order_by("last_name")


class RiskCreateForm(RiskDetailsForm):
    raised_on = forms.DateField(widget=DATE_INPUT)
    likelihood = forms.TypedChoiceField(choices=LIKELIHOOD, coerce=int)
    consequence = forms.TypedChoiceField(choices=CONSEQUENCE, coerce=int)
    target_likelihood = forms.TypedChoiceField(choices=LIKELIHOOD, coerce=int)
    target_consequence = forms.TypedChoiceField(choices=CONSEQUENCE, coerce=int)
    target_reason = forms.CharField(label="Reason (if the target is above the current score)", required=False)


class RiskRescoreForm(VersionedForm):
    assessed_on = forms.DateField(label="Assessed on", widget=DATE_INPUT)
    likelihood = forms.TypedChoiceField(choices=LIKELIHOOD, coerce=int)
    consequence = forms.TypedChoiceField(choices=CONSEQUENCE, coerce=int)
    target_likelihood = forms.TypedChoiceField(label="Target likelihood", choices=LIKELIHOOD, coerce=int)
    target_consequence = forms.TypedChoiceField(label="Target consequence", choices=CONSEQUENCE, coerce=int)
    target_reason = forms.CharField(label="Reason (if the target is above the current score)", required=False)
    note = forms.CharField(label="Why the score changed", widget=forms.Textarea(attrs={"rows": 2}), required=False)


class ReasonForm(VersionedForm):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)


class ToIssueForm(VersionedForm):
    impact = forms.CharField(
        label="Impact now it has happened", widget=forms.Textarea(attrs={"rows": 3}), max_length=5000
    )


class ActionForm(forms.Form):
    action = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), max_length=5000)
    owner_name = forms.CharField(label="Owner", max_length=200, required=False)
    due_date = forms.DateField(required=False, widget=DATE_INPUT)


class ActionStatusForm(forms.Form):
    status = forms.ChoiceField(choices=ActionStatus.choices)
