from django import forms
from django.conf import settings
from django.db.models import Q

from accounts.roles import Role
from core.forms import VersionedForm
from core.rag import RAG
from core.spreadsheets import XLSX_CONTENT_TYPE
from schemes.models import ApprovalOutcome, CommentKind, Locality, SchemeStatus

RAG_CHOICES = [("", "— choose —"), *RAG.choices]


class SchemeRagForm(VersionedForm):
    rag = forms.ChoiceField(label="Overall project status RAG", choices=RAG_CHOICES)
    reason = forms.CharField(
        label="Reason (needed when it differs from the suggestion)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class ProgressCommentForm(forms.Form):
    date = forms.DateField(label="Date of the update")
    kind = forms.ChoiceField(label="Kind", choices=CommentKind.choices)
    text = forms.CharField(label="Comment", widget=forms.Textarea(attrs={"rows": 3}), max_length=10000)
    rag = forms.ChoiceField(label="RAG of this comment", choices=[("", "None"), *RAG.choices], required=False)


class ReturnForm(VersionedForm):
    comment = forms.CharField(label="What needs to change", widget=forms.Textarea(attrs={"rows": 2}), max_length=5000)


class SchemeDetailsForm(VersionedForm):
    name = forms.CharField(max_length=200)
    workstream = forms.ModelChoiceField(queryset=None, required=False, empty_label="(none)")
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), required=False)
    clinical_lead = forms.CharField(max_length=200, required=False)
    reports_to_ccg = forms.BooleanField(label="Reports to CCG", required=False)
    reports_to_gm = forms.BooleanField(label="Reports to GM", required=False)
    reports_to_national = forms.BooleanField(label="Reports to National", required=False)
    locality = forms.ChoiceField(label="Area", choices=Locality.choices)
    programme_locality = forms.ModelChoiceField(
        label="Locality", queryset=None, required=False, empty_label="(none)", help_text="Set up › Localities"
    )
    status = forms.ChoiceField(choices=SchemeStatus.choices)

    def __init__(self, *args, programme, **kwargs):
        super().__init__(*args, **kwargs)
        # A retired workstream or locality is no longer offered, except to a scheme already under it.
        current = self.initial.get("workstream")
        self.fields["workstream"].queryset = programme.workstreams.filter(
            Q(is_retired=False) | Q(pk=getattr(current, "pk", current))
        )
        place = self.initial.get("programme_locality")
        self.fields["programme_locality"].queryset = programme.localities.filter(
            Q(is_retired=False) | Q(pk=getattr(place, "pk", place))
        )


class ApprovalForm(forms.Form):
    body = forms.CharField(label="Body (e.g. TSG, CC&FC, PRAP)", max_length=50)
    item = forms.CharField(label="Paper (e.g. Full business case)", max_length=200)
    papers_date = forms.DateField(label="Papers due", required=False)
    meeting_date = forms.DateField(label="Meeting", required=False)
    outcome = forms.ChoiceField(choices=ApprovalOutcome.choices)
    reason = forms.CharField(label="Reason (required for a rejection)", required=False, max_length=2000)


class SpreadsheetUploadForm(forms.Form):
    """An .xlsx to upload; its size and contents are checked by core.spreadsheets, which lists what is wrong."""

    file = forms.FileField(
        label="Spreadsheet to upload (.xlsx)",
        widget=forms.ClearableFileInput(attrs={"accept": f".xlsx,{XLSX_CONTENT_TYPE}"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields[
            "file"
        ].help_text = (
            f"The workbook downloaded from this page, with your changes. Up to {settings.SPREADSHEET_UPLOAD_MAX_MB} MB."
        )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith(".xlsx"):
            raise forms.ValidationError(
                "Upload an Excel workbook (.xlsx). If you saved it in another format, open it in Excel and "
                "save it as “Excel Workbook (.xlsx)”."
            )
        return upload


class ApprovalOutcomeForm(forms.Form):
    outcome = forms.ChoiceField(choices=ApprovalOutcome.choices)
    reason = forms.CharField(label="Reason (required for a rejection)", required=False, max_length=2000)


# --- Setting up a programme (issue 17) ---------------------------------------------------------------------


class ProgrammeForm(VersionedForm):
    name = forms.CharField(max_length=200)
    organisation = forms.CharField(label="Lead organisation", max_length=200, required=False)
    partner_organisations = forms.CharField(
        label="Partner organisations (one a line)", widget=forms.Textarea(attrs={"rows": 4}), required=False
    )
    start_date = forms.DateField(label="Starts on", help_text="dd/mm/yyyy")
    end_date = forms.DateField(label="Ends on", help_text="dd/mm/yyyy")
    reminder_summary_emails = forms.CharField(
        label="Also send the reminder summary to",
        help_text="E-mail addresses, one a line, that receive the summary of missing updates before each steering "
        "group, beside the programme office's members (e.g. a shared team mailbox).",
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
    )


class PartnershipSSOForm(forms.Form):
    """The e-mail domains single sign-on is trusted for in the programme's partnership (accounts.Partnership)."""

    domains = forms.CharField(
        label="E-mail domains allowed to sign in with single sign-on",
        help_text="One a line or comma-separated, e.g. trafford.gov.uk, nhs.net. Empty: nobody signs in here with "
        "single sign-on. Each subdomain is listed on its own.",
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
    )
    was = forms.CharField(widget=forms.HiddenInput, required=False)


class NameForm(forms.Form):
    name = forms.CharField(max_length=200)


class RenameRetireForm(VersionedForm):
    name = forms.CharField(max_length=200)
    is_retired = forms.BooleanField(label="Retired (no longer offered; its history stays)", required=False)


class PeriodPlanForm(forms.Form):
    """How to make the periods: a cadence between two dates, or the board's meeting dates."""

    METHODS = [("board", "From the board's meeting dates"), ("cadence", "Every month, two months or quarter")]
    method = forms.ChoiceField(choices=METHODS, widget=forms.RadioSelect, initial="board")
    first_start = forms.DateField(label="The first period starts on", help_text="dd/mm/yyyy")
    board_dates = forms.CharField(
        label="Board meeting dates (one a line, dd/mm/yyyy)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="Each period runs up to its board meeting; the next starts that day.",
    )
    cadence = forms.ChoiceField(
        label="How often (for a cadence)",
        choices=[("", "—"), ("1", "Monthly"), ("2", "Every two months"), ("3", "Quarterly")],
        required=False,
    )
    until = forms.DateField(label="The last period ends on", required=False, help_text="dd/mm/yyyy")

    def clean_board_dates(self) -> list:
        field = forms.DateField()
        dates, bad = [], []
        for part in self.cleaned_data.get("board_dates", "").replace(",", "\n").splitlines():
            if part.strip():
                try:
                    dates.append(field.clean(part.strip()))
                except forms.ValidationError:
                    bad.append(part.strip())
        if bad:
            raise forms.ValidationError(f"Not a date (use dd/mm/yyyy): {', '.join(bad)}.")
        return dates

    def clean(self):
        data = super().clean()
        if data.get("method") == "cadence":
            if not data.get("cadence"):
                self.add_error("cadence", "Choose how often the periods run.")
            if not data.get("until"):
                self.add_error("until", "Say when the last period ends.")
        return data


class PeriodForm(VersionedForm):
    name = forms.CharField(max_length=100)
    board_date = forms.DateField(label="Board meeting", required=False, help_text="dd/mm/yyyy")
    steering_group_date = forms.DateField(label="Steering group meeting", required=False, help_text="dd/mm/yyyy")


class SchemeLeadChangeForm(forms.Form):
    user = forms.ModelChoiceField(label="New lead", queryset=None)
    start_date = forms.DateField(label="Leads from", help_text="dd/mm/yyyy")

    def __init__(self, *args, users, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = users


ROLE_CHOICES = [("", "— choose —"), *Role.choices]


class InviteForm(forms.Form):
    email = forms.EmailField(label="E-mail address")
    role = forms.ChoiceField(choices=ROLE_CHOICES)


class RoleGrantForm(forms.Form):
    role = forms.ChoiceField(label="Give the role", choices=ROLE_CHOICES)
    start = forms.DateField(label="From", required=False, help_text="dd/mm/yyyy; blank for today")


class RoleEndForm(forms.Form):
    role = forms.ChoiceField(label="End the role")
    end = forms.DateField(
        label="From", required=False, help_text="dd/mm/yyyy; blank for today: they no longer hold it from that day"
    )

    def __init__(self, *args, roles, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = [("", "— choose —"), *[(r.value, r.label) for r in roles]]
