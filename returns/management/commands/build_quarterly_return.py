import os
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from returns.services import quarterly_return_build
from schemes.models import Programme


class Command(BaseCommand):
    help = "Build (or refresh) a programme's draft NHS England quarterly return from live data and write the workbook."

    def add_arguments(self, parser):
        parser.add_argument("--programme", required=True, help="the programme's slug, e.g. trafford-bcf-2015-16")
        parser.add_argument("--quarter", required=True, help="e.g. 2015-16-Q1 (April to June 2015)")
        parser.add_argument("--out", required=True, help="the .xlsx file to write")

    def handle(self, *args, programme, quarter, out, **options):
        found = Programme.objects.filter(slug=programme).first()
        if found is None:
            known = ", ".join(Programme.objects.order_by("slug").values_list("slug", flat=True)) or "none"
            raise CommandError(f"No programme with slug “{programme}” (programmes: {known}).")
        # Checked before building: a build commits the draft, and an unwritable --out would leave it built
        # with nothing written.
        target = Path(out)
        folder = target.parent
        if target.is_dir():
            raise CommandError(f"Could not write {out}: it is a folder; give a file name such as q1.xlsx.")
        if not folder.is_dir():
            raise CommandError(f"Could not write {out}: the folder {folder} does not exist.")
        if not os.access(folder, os.W_OK) or (target.exists() and not os.access(target, os.W_OK)):
            raise CommandError(f"Could not write {out}: permission denied.")
        try:
            draft = quarterly_return_build(programme=found, quarter=quarter)
        except ValidationError as exc:
            texts = (
                [m for msgs in exc.message_dict.values() for m in msgs] if hasattr(exc, "error_dict") else exc.messages
            )
            raise CommandError(" ".join(texts)) from None
        try:
            Path(out).write_bytes(bytes(draft.workbook))
        except OSError as exc:
            raise CommandError(f"Could not write {out}: {exc.strerror or exc}.") from None
        failed = draft.failed_checks
        self.stdout.write(
            f"Wrote the {draft.quarter} return for {found.name} (draft version {draft.revision}) to {out}: "
            + ("every check passes." if not failed else f"{len(failed)} check(s) still to complete (see Checklist).")
        )
