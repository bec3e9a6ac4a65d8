from django import forms


class DigestPreferenceForm(forms.Form):
    weekly_digest = forms.BooleanField(
        label="Send me a weekly e-mail of what is due",
        required=False,
        help_text="Sent on Monday mornings: your schemes' updates for the period and overdue milestones.",
    )


class MarkReadForm(forms.Form):
    notification = forms.IntegerField(required=False, widget=forms.HiddenInput)
