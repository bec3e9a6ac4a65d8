from django import forms

from core.rag import RAG
from schemes.models import CommentKind

RAG_CHOICES = [("", "— choose —"), *RAG.choices]


class VersionedForm(forms.Form):
    """Every edit form carries the version of the record it was opened on (stale edits are refused)."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class SchemeRagForm(VersionedForm):
    rag = forms.ChoiceField(label="Overall project status RAG", choices=RAG_CHOICES)
    reason = forms.CharField(label="Reason (needed when it differs from the suggestion)", required=False, widget=forms.Textarea(attrs={"rows": 2}))


class ProgressCommentForm(forms.Form):
    date = forms.DateField(label="Date of the update")
    kind = forms.ChoiceField(label="Kind", choices=CommentKind.choices)
    text = forms.CharField(label="Comment", widget=forms.Textarea(attrs={"rows": 3}), max_length=10000)
    rag = forms.ChoiceField(label="RAG of this comment", choices=[("", "None"), *RAG.choices], required=False)


class ReturnForm(VersionedForm):
    comment = forms.CharField(label="What needs to change", widget=forms.Textarea(attrs={"rows": 2}), max_length=5000)
