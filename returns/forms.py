from django import forms

from returns.services import MAX_ANSWER


class BuildForm(forms.Form):
    quarter = forms.CharField(max_length=10, help_text="e.g. 2015-16-Q1 (April to June 2015)")


class AnswerForm(forms.Form):
    """An answer and its commentary; `choices` makes the answer a drop-down, `value` False leaves it out."""

    value = forms.CharField(
        label="Answer", required=False, max_length=MAX_ANSWER, widget=forms.Textarea(attrs={"rows": 3})
    )
    commentary = forms.CharField(required=False, max_length=MAX_ANSWER, widget=forms.Textarea(attrs={"rows": 5}))
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, choices=(), has_value=True, has_commentary=True, long_text=False, **kwargs):
        super().__init__(*args, **kwargs)
        if not has_value:
            del self.fields["value"]
        elif choices:
            self.fields["value"] = forms.ChoiceField(
                label="Answer", required=False, choices=[("", "—")] + [(c, c) for c in choices]
            )
        elif not long_text:
            self.fields["value"].widget = forms.TextInput()
        else:
            self.fields["value"].widget.attrs["rows"] = 16
        if not has_commentary:
            del self.fields["commentary"]


class SignOffForm(forms.Form):
    on_behalf_of = forms.CharField(
        label="Signed off on behalf of",
        max_length=200,
        widget=forms.TextInput(attrs={"class": "form-control"}),
        help_text="e.g. Trafford Health and Wellbeing Board",
    )
    version = forms.IntegerField(widget=forms.HiddenInput)


class CorrectionForm(forms.Form):
    reason = forms.CharField(
        label="Why does the signed-off return need correcting?", widget=forms.Textarea(attrs={"rows": 3})
    )
