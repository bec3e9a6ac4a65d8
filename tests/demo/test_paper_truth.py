"""The demo read against the paper it is transcribed from: seed 000_5d271b221020b83b.txt, the report to the
Trafford Health & Wellbeing Board of 9 June 2015 (cited as "000", with the line numbers of the seed file).

Each test says which lines of the paper its figures come from. The paper's RAG cells are empty; what it says in
words (5.2 "will still report on track", 000 line 240) and the milestones it lists as completed are what the
report must agree with.
"""

import datetime as dt

from django.utils import timezone

from dashboard.forms import default_period
from reporting.selectors import period_resolve
from schemes.models import Programme

SLUG = "trafford-bcf-2015-16"


def _programme():
    return Programme.objects.get(slug=SLUG)


def test_latest_is_the_period_the_paper_reports_on(demo):
    # 000 line 5: "Date: 9 June 2015"; line 141: "Completed Milestones/Tasks this period From: (18/03/2015)To:
    # (20/05/2015)". The next period (line 148, "From: (20/05/2015)To: (22/07/2015)") has no board of its own.
    programme = _programme()
    period = period_resolve(programme=programme, period="latest")
    assert (period.code, period.start_date, period.end_date, period.board_date) == (
        "2015-16-P1",
        dt.date(2015, 3, 18),
        dt.date(2015, 5, 20),
        dt.date(2015, 6, 9),
    )
    periods = list(programme.periods.order_by("start_date"))
    assert default_period(periods, timezone.localdate()) == period
