from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from core.models import TimeStampedModel, VersionedModel
from core.natural import NaturalSortKey, natural_order
from core.rag import RAG


class Programme(VersionedModel):
    """A partnership's programme, e.g. Trafford BCF 2015/16."""

    slug = models.SlugField(max_length=80, unique=True)
    name = models.CharField(max_length=200)
    partnership = models.ForeignKey("accounts.Partnership", on_delete=models.PROTECT, related_name="programmes")
    organisation = models.CharField(max_length=200, blank=True)
    health_and_wellbeing_board = models.CharField(
        "Health and Wellbeing Board",
        max_length=200,
        blank=True,
        help_text="The board area the programme reports to, as NHS England's return names it, e.g. Trafford.",
    )
    partner_organisations = models.TextField(
        blank=True, help_text="One a line, e.g. NHS Trafford CCG, Trafford Council, Pennine Care."
    )
    start_date = models.DateField()
    end_date = models.DateField()
    # Beside the programme office's own members: e.g. a shared team mailbox. Kept per programme, never install-wide,
    # so one partnership's summary of missing updates cannot go to another's addresses.
    reminder_summary_emails = models.TextField(
        "also send the reminder summary to",
        blank=True,
        help_text="E-mail addresses, one a line, that receive the summary of missing updates before each steering "
        "group, beside the programme office's members (e.g. a shared team mailbox).",
    )
    # An invented partnership (the 2025/26 demo): every page, export and PDF of it says so.
    is_illustrative = models.BooleanField(
        "illustrative data",
        default=False,
        help_text="An invented partnership with made-up figures: every page, export and PDF is labelled as such.",
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["-start_date", "name"]
        constraints = [
            models.CheckConstraint(condition=Q(end_date__gt=models.F("start_date")), name="programme_end_after_start"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def reminder_summary_addresses(self) -> list[str]:
        return [line.strip() for line in self.reminder_summary_emails.splitlines() if line.strip()]

    @property
    def illustrative_label(self) -> str:
        """The words every page, export and PDF of an invented programme carries ("" for a real one)."""
        if not self.is_illustrative:
            return ""
        return (
            f"Illustrative data: {self.name} is an invented partnership; its figures are made up, not any real area's."
        )


class Workstream(VersionedModel):
    """A heading schemes are grouped under (e.g. Frail & Older People, Urgent Care)."""

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="workstreams")
    name = models.CharField(max_length=200)
    order = models.PositiveIntegerField(default=0)
    # A retired workstream keeps its schemes and history but is no longer offered for new ones.
    is_retired = models.BooleanField("retired", default=False)
    history = HistoricalRecords()

    class Meta:
        ordering = ["order", "name"]
        constraints = [models.UniqueConstraint(fields=["programme", "name"], name="workstream_unique_name")]

    def __str__(self) -> str:
        return self.name


class ReportingPeriodQuerySet(models.QuerySet):
    def containing(self, day):
        """The period a date belongs to. Periods are half-open (start inclusive, end exclusive): the papers' next
        period starts on the day the last one ends, and a date must belong to exactly one."""
        return self.filter(start_date__lte=day, end_date__gt=day)


class ReportingPeriod(VersionedModel):
    """A highlight-report cycle: 'From 18/03/2015 To 20/05/2015', with its meetings."""

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="periods")
    code = models.SlugField(max_length=40)
    name = models.CharField(max_length=100)
    start_date = models.DateField()
    end_date = models.DateField()
    steering_group_date = models.DateField(null=True, blank=True)
    board_date = models.DateField(null=True, blank=True)
    is_closed = models.BooleanField(default=False)
    history = HistoricalRecords()

    objects = ReportingPeriodQuerySet.as_manager()

    class Meta:
        ordering = ["programme", "start_date"]
        constraints = [
            models.UniqueConstraint(fields=["programme", "code"], name="period_unique_code"),
            models.CheckConstraint(condition=Q(end_date__gt=models.F("start_date")), name="period_end_after_start"),
        ]

    def __str__(self) -> str:
        return f"{self.start_date:%d/%m/%Y} to {self.end_date:%d/%m/%Y}"

    def contains(self, day) -> bool:
        """Whether a date belongs to this period (the same rule as ReportingPeriodQuerySet.containing)."""
        return self.start_date <= day < self.end_date

    @property
    def last_day(self):
        """The last date that belongs to the period (its end is the next period's start)."""
        return self.end_date - timedelta(days=1)

    @property
    def writing_ends(self):
        """The last date an update for this period can carry: its board date (updates are written after the
        cut-off, before the board meets), else its last day."""
        return max(self.board_date, self.last_day) if self.board_date else self.last_day

    def default_date(self, today=None):
        """The date a form for this period starts with: today when it falls in the period, else its last day
        (or its first, when the period has not begun)."""
        today = today or timezone.localdate()
        if self.contains(today):
            return today
        return self.last_day if today >= self.end_date else self.start_date

    def outside_message(self, what: str) -> str:
        return (
            f"{what} must fall in the period being updated, {self.start_date:%d/%m/%Y} to {self.last_day:%d/%m/%Y}. "
            "To record a date in another period, open that period."
        )


class ProgrammeLocality(VersionedModel):
    """A locality a programme reports by (e.g. North, Central, South), added and retired by the programme office."""

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="localities")
    name = models.CharField(max_length=100)
    is_retired = models.BooleanField("retired", default=False)
    history = HistoricalRecords()

    class Meta:
        ordering = ["programme", "name"]
        verbose_name_plural = "programme localities"
        constraints = [models.UniqueConstraint(fields=["programme", "name"], name="locality_unique_name")]

    def __str__(self) -> str:
        return self.name


class Locality(models.TextChoices):
    BOROUGH = "borough", "Borough-wide"
    CENTRAL = "central", "Central"
    WEST = "west", "West"
    NORTH = "north", "North"
    SOUTH = "south", "South"


class SchemeStatus(models.TextChoices):
    TO_SCOPE = "to_scope", "To scope"
    ACTIVE = "active", "Active"
    DISCONTINUED = "discontinued", "Discontinued"
    CLOSED = "closed", "Closed"


class SchemeQuerySet(models.QuerySet):
    def active(self):
        return self.filter(status=SchemeStatus.ACTIVE)

    def led_by(self, user, on=None):
        """Schemes the user leads now (or on a given date)."""
        day = on or timezone.localdate()
        return self.filter(
            Q(leads__user=user)
            & (Q(leads__start_date__isnull=True) | Q(leads__start_date__lte=day))
            & (Q(leads__end_date__isnull=True) | Q(leads__end_date__gte=day))
        ).distinct()


class Scheme(VersionedModel):
    """A scheme (project) in a programme, e.g. 5.1 Community (District) Nursing."""

    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="schemes")
    workstream = models.ForeignKey(Workstream, on_delete=models.SET_NULL, null=True, blank=True, related_name="schemes")
    ref = models.CharField("Ref", max_length=20, blank=True, help_text="e.g. 5.1; blank for a project still to scope.")
    # The ref's natural sort key (N2 before N10, 5.9 before 5.10), kept by the database itself: see core/natural.py.
    # Order schemes with natural_order("ref_key").
    ref_key = models.GeneratedField(
        expression=NaturalSortKey("ref"), output_field=models.CharField(max_length=255), db_persist=True
    )
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    clinical_lead = models.CharField(max_length=200, blank=True)
    reports_to_ccg = models.BooleanField("CCG", default=False)
    reports_to_gm = models.BooleanField("GM", default=False)
    reports_to_national = models.BooleanField("National", default=False)
    locality = models.CharField(max_length=20, choices=Locality.choices, default=Locality.BOROUGH)
    # One of the localities the programme office set up for this programme (Set up › Localities), if any.
    programme_locality = models.ForeignKey(
        ProgrammeLocality,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="schemes",
        verbose_name="locality",
    )
    status = models.CharField(max_length=20, choices=SchemeStatus.choices, default=SchemeStatus.ACTIVE)
    history = HistoricalRecords(excluded_fields=["ref_key"])  # derived from ref, which is recorded

    objects = SchemeQuerySet.as_manager()

    class Meta:
        ordering = ["programme", natural_order("ref_key"), "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["programme", "ref"], condition=~Q(ref=""), name="scheme_unique_ref_in_programme"
            ),
            models.CheckConstraint(
                condition=~Q(ref="") | Q(status="to_scope"), name="scheme_ref_required_unless_to_scope"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.ref} {self.name}".strip()


class SchemeLead(TimeStampedModel):
    """Who led a scheme and when: leads change ("up to 31 March 2015, tbc from 01 April 2015")."""

    scheme = models.ForeignKey(Scheme, on_delete=models.CASCADE, related_name="leads")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="scheme_leads")
    start_date = models.DateField(null=True, blank=True)
    end_date = models.DateField(null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["scheme", "start_date"]
        constraints = [
            models.CheckConstraint(
                condition=Q(start_date__isnull=True)
                | Q(end_date__isnull=True)
                | Q(end_date__gte=models.F("start_date")),
                name="scheme_lead_end_after_start",
            ),
        ]

    def is_current(self, on) -> bool:
        return (self.start_date is None or self.start_date <= on) and (self.end_date is None or self.end_date >= on)

    def __str__(self) -> str:
        return f"{self.user} ({self.scheme})"


class SchemeDependency(TimeStampedModel):
    """'Interdependencies with other projects': another scheme, or a project outside the programme."""

    scheme = models.ForeignKey(Scheme, on_delete=models.CASCADE, related_name="dependencies")
    depends_on = models.ForeignKey(Scheme, on_delete=models.CASCADE, null=True, blank=True, related_name="dependents")
    external_project = models.CharField(max_length=200, blank=True)
    note = models.TextField(blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name_plural = "scheme dependencies"  # not Django's "dependencys" (the admin's label)
        constraints = [
            models.CheckConstraint(
                condition=(Q(depends_on__isnull=False) & Q(external_project=""))
                | (Q(depends_on__isnull=True) & ~Q(external_project="")),
                name="dependency_scheme_or_external",
            ),
            models.CheckConstraint(condition=~Q(depends_on=models.F("scheme")), name="dependency_not_self"),
            models.UniqueConstraint(
                fields=["scheme", "depends_on"], condition=Q(depends_on__isnull=False), name="dependency_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.scheme} ↔ {self.depends_on or self.external_project}"


class ApprovalOutcome(models.TextChoices):
    PENDING = "pending", "Pending"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"
    WITHDRAWN = "withdrawn", "Withdrawn"
    DEFERRED = "deferred", "Deferred"


class Approval(TimeStampedModel):
    """A gate: a scheme's paper to a body (TSG, CC&FC, PRAP) and what the body decided."""

    scheme = models.ForeignKey(Scheme, on_delete=models.CASCADE, related_name="approvals")
    body = models.CharField(max_length=50, help_text="e.g. TSG, CC&FC, PRAP")
    item = models.CharField(max_length=200, help_text="e.g. Project brief, Full business case")
    papers_date = models.DateField(null=True, blank=True)
    meeting_date = models.DateField(null=True, blank=True)
    outcome = models.CharField(max_length=20, choices=ApprovalOutcome.choices, default=ApprovalOutcome.PENDING)
    reason = models.TextField(blank=True)
    # Who recorded the body's decision, and when: the programme office or the governance secretary, never the
    # scheme's own lead (schemes.permissions.gate_outcome_refusal).
    outcome_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    outcome_recorded_at = models.DateTimeField(null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["scheme", "meeting_date"]
        constraints = [
            models.CheckConstraint(
                condition=Q(papers_date__isnull=True)
                | Q(meeting_date__isnull=True)
                | Q(papers_date__lte=models.F("meeting_date")),
                name="approval_papers_before_meeting",
            ),
            models.CheckConstraint(
                condition=~Q(outcome="rejected") | ~Q(reason=""), name="approval_rejection_has_reason"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.item} – {self.body}"


class UpdateStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Submitted"
    RETURNED = "returned", "Returned for changes"
    APPROVED = "approved", "Approved"


# Statuses in which the lead can no longer change the update: it is with the programme office, or accepted.
LOCKED_FOR_LEAD = (UpdateStatus.SUBMITTED, UpdateStatus.APPROVED)


class SchemePeriodUpdate(VersionedModel):
    """A scheme's highlight for one reporting period: the suggested and chosen RAG, and its status."""

    scheme = models.ForeignKey(Scheme, on_delete=models.CASCADE, related_name="period_updates")
    period = models.ForeignKey(ReportingPeriod, on_delete=models.PROTECT, related_name="scheme_updates")
    rag_suggested = models.CharField("Suggested RAG", max_length=10, choices=RAG.choices, blank=True)
    rag = models.CharField("Overall project status RAG", max_length=10, choices=RAG.choices, blank=True)
    rag_reason = models.TextField(
        "Reason for the RAG", blank=True, help_text="Required when the RAG differs from the suggestion."
    )
    status = models.CharField(max_length=20, choices=UpdateStatus.choices, default=UpdateStatus.DRAFT)
    return_comment = models.TextField(blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    returned_at = models.DateTimeField(null=True, blank=True)
    returned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["scheme", "period__start_date"]
        constraints = [
            models.UniqueConstraint(fields=["scheme", "period"], name="one_update_per_scheme_period"),
            models.CheckConstraint(
                condition=Q(rag="") | Q(rag=models.F("rag_suggested")) | ~Q(rag_reason=""),
                name="rag_override_needs_reason",
            ),
        ]

    @property
    def effective_rag(self) -> str:
        return self.rag or self.rag_suggested

    @property
    def is_locked_for_lead(self) -> bool:
        return self.status in LOCKED_FOR_LEAD

    @property
    def rag_is_suggested(self) -> bool:
        return not self.rag and bool(self.rag_suggested)

    def __str__(self) -> str:
        return f"{self.scheme} – {self.period}"


class CommentKind(models.TextChoices):
    GENERAL = "general", "Progress update"
    HIGHLIGHT = "highlight", "Point to highlight"
    GOOD_NEWS = "good_news", "Good news"


class ProgressComment(TimeStampedModel):
    """A dated progress comment with its own RAG ("Progress Update – Comment")."""

    scheme = models.ForeignKey(Scheme, on_delete=models.CASCADE, related_name="comments")
    period = models.ForeignKey(ReportingPeriod, on_delete=models.PROTECT, related_name="comments")
    date = models.DateField()
    kind = models.CharField(max_length=20, choices=CommentKind.choices, default=CommentKind.GENERAL)
    text = models.TextField()
    rag = models.CharField("RAG", max_length=10, choices=RAG.choices, blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["scheme", "date", "id"]

    def __str__(self) -> str:
        return f"{self.scheme} {self.date:%d/%m/%Y}"
