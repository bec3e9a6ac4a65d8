"""python manage.py build_highlight_report --programme SLUG --period ID|CODE|latest --out FILE.pdf [--issue]"""

import os
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from accounts.models import User
from accounts.roles import Role, has_role
from reporting import highlight as services
from reporting.selectors import DEFAULT_MEETING, period_resolve
from schemes.models import Programme


class Command(BaseCommand):
    help = "Build a programme's highlight report as a PDF (a draft, or --issue it for the board)."

    def add_arguments(self, parser):
        parser.add_argument("--programme", required=True, help="The programme's slug, e.g. trafford-bcf-2015-16.")
        parser.add_argument("--period", required=True, help="Reporting period id or code, or 'latest'.")
        parser.add_argument("--out", required=True, help="Where to write the PDF.")
        parser.add_argument("--issue", action="store_true", help="Issue and store it (otherwise a DRAFT).")
        parser.add_argument("--meeting", default="", help=f"Meeting it is issued to (default: {DEFAULT_MEETING}).")
        parser.add_argument("--meeting-date", default="", help="YYYY-MM-DD (default: the period's board date).")
        parser.add_argument("--reissue", default="", metavar="REASON", help="Issue a new version, for this reason.")
        parser.add_argument("--by", default="", help="Username recorded as issuing it.")

    def handle(self, *args, **options):
        programme = Programme.objects.filter(slug=options["programme"]).first()
        if programme is None:
            raise CommandError(f"Unknown programme “{options['programme']}”.")
        period = period_resolve(programme=programme, period=options["period"])
        if period is None:
            raise CommandError(f"Unknown reporting period “{options['period']}” for {programme.slug}.")
        out = Path(options["out"])
        # Checked before anything is issued: an issued report must not be left behind by a bad --out.
        if not out.parent.is_dir():
            raise CommandError(f"The folder {out.parent} does not exist.")
        if out.is_dir():
            raise CommandError(f"{out} is a folder: give a file name, e.g. {out / 'report.pdf'}.")
        if not os.access(out.parent, os.W_OK) or (out.exists() and not os.access(out, os.W_OK)):
            raise CommandError(f"Cannot write {out}: check the folder's permissions.")
        if options["issue"]:
            by = User.objects.filter(username=options["by"]).first() if options["by"] else None
            if options["by"] and by is None:
                raise CommandError(f"Unknown user “{options['by']}”.")
            if by is not None and not has_role(by, Role.PROGRAMME_OFFICE, programme=programme):
                # The issuer named must be this programme's programme office, as in the app (issue 17).
                raise CommandError(f"{by.username} is not programme office on {programme.slug}, so cannot issue it.")
            meeting_date = options["meeting_date"] or (period.board_date.isoformat() if period.board_date else "")
            if not meeting_date:
                raise CommandError("The period has no board date: give --meeting-date YYYY-MM-DD.")
            try:
                report = services.highlight_report_issue(
                    programme=programme,
                    period=period,
                    meeting=options["meeting"] or DEFAULT_MEETING,
                    meeting_date=meeting_date,
                    reissue=bool(options["reissue"]),
                    reason=options["reissue"],
                    by=by,
                )
            except (ValidationError, ValueError) as exc:
                messages = exc.messages if isinstance(exc, ValidationError) else [str(exc)]
                raise CommandError(" ".join(messages)) from None
            _write(out, bytes(report.pdf), f"The report was issued ({report}), but ")
            self.stdout.write(
                f"Issued {report} for {programme.slug}: {out} ({report.page_count} pages, sha256 {report.pdf_sha256})"
            )
            return
        rendered = services.highlight_report_draft(programme=programme, period=period)
        _write(out, rendered.pdf, "")
        self.stdout.write(f"Draft highlight report for {programme.slug}, {period.name}: {out} ({rendered.pages} pages)")


def _write(out: Path, pdf: bytes, prefix: str) -> None:
    try:
        out.write_bytes(pdf)
    except OSError as exc:
        raise CommandError(f"{prefix}{out} could not be written: {exc.strerror}.") from None
