"""What search reads of each kind of record: the one home for the text searched, shared by the selectors (the
query) and the migration (PostgreSQL's GIN indexes, built from the same expressions so the planner can use them).

Only text every role on the programme may read is searched: a milestone's source note (the programme office's
provenance note) is deliberately not in its document.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.postgres.search import SearchVector

# A fixed text-search configuration: an index on to_tsvector() needs one (the one-argument form is not immutable),
# and English stems "nursing" and "nurses" to the same word.
CONFIG = "english"


@dataclass(frozen=True)
class Document:
    """A kind of record searched: its model (app label, model name), the text fields searched and the GIN index
    built on them in PostgreSQL."""

    app_label: str
    model_name: str
    fields: tuple[str, ...]
    index_name: str

    def vector(self) -> SearchVector:
        return SearchVector(*self.fields, config=CONFIG)


SCHEME = Document("schemes", "Scheme", ("ref", "name", "description"), "search_scheme_document")
MILESTONE = Document("milestones", "Milestone", ("phase", "description"), "search_milestone_document")
RISK = Document(
    "risks", "Risk", ("title", "description", "cause", "effect", "assurance_reference"), "search_risk_document"
)
DECISION = Document("finance", "Decision", ("title", "body", "reference"), "search_decision_document")
REPORT = Document("reporting", "IssuedReport", ("meeting", "reason"), "search_report_document")

DOCUMENTS = (SCHEME, MILESTONE, RISK, DECISION, REPORT)
