"""The dashboard's filters: programme, reporting period, workstream, locality and project lead, all in the URL."""

from dataclasses import dataclass
from datetime import date

from django import forms
from django.http import Http404, QueryDict
from django.utils import timezone

from accounts.models import User
from accounts.roles import Role, has_role
from core.widgets import FastSelect
from schemes.models import Locality, Programme, ReportingPeriod, Scheme, SchemeLead, Workstream
from schemes.permissions import programme_choices
from schemes.selectors import period_latest


@dataclass(frozen=True)
class DashboardFilters:
    """What the dashboard shows: one programme and period, optionally narrowed to some of its schemes."""

    programme: Programme
    period: ReportingPeriod | None
    previous: ReportingPeriod | None
    periods: tuple[ReportingPeriod, ...]
    workstream: Workstream | None = None
    locality: str = ""
    lead: User | None = None

    @property
    def narrows_schemes(self) -> bool:
        return bool(self.workstream or self.locality or self.lead)

    @property
    def locality_label(self) -> str:
        return Locality(self.locality).label if self.locality else ""

    @property
    def as_of(self) -> date:
        """The date milestones are judged at: the period's end, or today while the period is still running."""
        today = timezone.localdate()
        return min(today, self.period.end_date) if self.period else today

    def query(self, **extra) -> str:
        """These filters as a query string (for links to the CSVs and the drill-down lists)."""
        params = QueryDict(mutable=True)
        params["programme"] = self.programme.slug
        if self.period:
            params["period"] = self.period.code
        if self.workstream:
            params["workstream"] = str(self.workstream.pk)
        if self.locality:
            params["locality"] = self.locality
        if self.lead:
            params["lead"] = str(self.lead.pk)
        for key, value in extra.items():
            if value not in (None, ""):
                params[key] = str(value)
        return params.urlencode()


def _select(label: str, empty: str | None = None) -> forms.ChoiceField:
    return forms.ChoiceField(
        label=label,
        required=False,
        choices=[("", empty)] if empty else [],
        widget=FastSelect(attrs={"class": "form-select"}),
    )


class DashboardFilterForm(forms.Form):
    """Period, workstream, locality and lead for one programme (the programme has its own picker)."""

    period = _select("Reporting period")
    workstream = _select("Workstream", "All workstreams")
    locality = _select("Locality", "All localities")
    lead = _select("Project lead", "All leads")

    def __init__(self, data, *, periods, workstreams, leads):
        super().__init__(data)
        self.fields["period"].choices = [(p.code, f"{p.name} ({p.code})") for p in reversed(periods)]
        self.fields["workstream"].choices = [("", "All workstreams"), *((str(w.pk), w.name) for w in workstreams)]
        self.fields["locality"].choices = [("", "All localities"), *Locality.choices]
        self.fields["lead"].choices = [
            ("", "All leads"),
            *((str(u.pk), u.get_full_name() or u.username) for u in leads),
        ]


def default_period(periods: list[ReportingPeriod], today: date) -> ReportingPeriod | None:
    """The period the dashboard opens on: the same rule as the report's 'latest' (schemes.selectors.period_latest)."""
    return period_latest(periods, today)


def previous_period(period: ReportingPeriod | None, periods: list[ReportingPeriod]) -> ReportingPeriod | None:
    """The period before `period`: the latest one that started before it."""
    if period is None:
        return None
    earlier = [p for p in periods if p.pk != period.pk and p.start_date < period.start_date]
    return max(earlier, key=lambda p: p.start_date) if earlier else None


def user_programme(user, programmes: list[Programme]) -> Programme | None:
    """A project lead starts on the programme of the schemes they lead; everyone else on the latest programme."""
    if not programmes:
        return None
    if has_role(user, Role.PROJECT_LEAD):
        led = set(Scheme.objects.led_by(user).values_list("programme_id", flat=True))
        for programme in programmes:
            if programme.pk in led:
                return programme
    return programmes[0]


@dataclass
class ResolvedFilters:
    filters: DashboardFilters | None
    form: DashboardFilterForm | None
    programmes: list[Programme]


def dashboard_filters_from(params: QueryDict, *, user, remembered: str | None = None) -> ResolvedFilters:
    """Read the filters from GET parameters. Four queries: programmes, periods, workstreams and leads.

    Only the user's programmes are offered: an unknown programme, or another partnership's, is a 404 (as on the
    scheme list). Without one in the address, the one picked last (`remembered`) or the user's own. Any other value
    that does not fit the programme (a period code from another programme, a stale lead) is reported on the form
    and ignored.
    """
    programmes = programme_choices(user)  # shared with the navigation's programme picker
    slug = params.get("programme")
    if slug:
        programme = next((p for p in programmes if p.slug == slug), None)
        if programme is None:
            raise Http404("No such programme.")
    else:
        programme = next((p for p in programmes if p.slug == remembered), None) or user_programme(user, programmes)
    if programme is None:
        return ResolvedFilters(filters=None, form=None, programmes=programmes)
    periods = list(ReportingPeriod.objects.filter(programme=programme).order_by("start_date", "pk"))
    workstreams = list(Workstream.objects.filter(programme=programme).order_by("order", "name"))
    leads = list(
        User.objects.filter(pk__in=SchemeLead.objects.filter(scheme__programme=programme).values("user_id"))
        .order_by("last_name", "first_name", "username")
        .only("pk", "username", "first_name", "last_name")
    )
    form = DashboardFilterForm(params, periods=periods, workstreams=workstreams, leads=leads)
    form.is_valid()
    data = {name: form.cleaned_data.get(name) or "" for name in form.fields if name not in form.errors}
    period = next((p for p in periods if p.code == data.get("period")), None) or default_period(
        periods, timezone.localdate()
    )
    if period is not None and data.get("period") != period.code:
        # Show the period actually used as the selected one.
        form.data = form.data.copy()
        form.data["period"] = period.code
    filters = DashboardFilters(
        programme=programme,
        period=period,
        previous=previous_period(period, periods),
        periods=tuple(periods),
        workstream=next((w for w in workstreams if str(w.pk) == data.get("workstream")), None),
        locality=data.get("locality", ""),
        lead=next((u for u in leads if str(u.pk) == data.get("lead")), None),
    )
    return ResolvedFilters(filters=filters, form=form, programmes=programmes)
