"""python manage.py export_business_cases --programme SLUG --format csv|xlsx --out FILE"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from cases.exports import cases_csv, cases_xlsx
from cases.selectors import export_tables
from schemes.models import Programme


class Command(BaseCommand):
    help = "Write a programme's business cases (net cost/benefit by year, portfolio, lines) as CSV or XLSX."

    def add_arguments(self, parser):
        parser.add_argument("--programme", required=True, help="The programme's slug, e.g. manchester-cicb-2012.")
        parser.add_argument("--format", required=True, choices=["csv", "xlsx"])
        parser.add_argument("--out", required=True, help="Where to write the file.")

    def handle(self, *args, **options):
        programme = Programme.objects.filter(slug=options["programme"]).first()
        if programme is None:
            known = ", ".join(Programme.objects.order_by("slug").values_list("slug", flat=True)) or "none"
            raise CommandError(f"Unknown programme “{options['programme']}” (known: {known}).")
        out = Path(options["out"])
        if not out.parent.is_dir():
            raise CommandError(f"The folder {out.parent} does not exist.")
        if out.is_dir():
            raise CommandError(f"{out} is a folder: give a file name.")
        tables = export_tables(programme=programme)
        data = cases_xlsx(tables) if options["format"] == "xlsx" else cases_csv(tables)
        out.write_bytes(data)
        self.stdout.write(
            f"Wrote {len(tables[0].rows) - 1} business cases of {programme.slug} to {out} ({len(data):,} bytes)."
        )
