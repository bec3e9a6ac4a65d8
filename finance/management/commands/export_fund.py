from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from finance.models import Fund
from finance.spreadsheet import CSV_ENCODING, fund_csv_text, fund_workbook_bytes


class Command(BaseCommand):
    help = "Write a fund's Appendix 1 as the download gives it: .xlsx (with quarterly spend) or .csv."

    def add_arguments(self, parser):
        parser.add_argument("--fund", required=True, help="the fund's slug, e.g. trafford-tf")
        parser.add_argument("--format", choices=["xlsx", "csv"], default="xlsx", dest="file_format")
        parser.add_argument("--out", required=True, help="the file to write")

    def handle(self, *args, fund, file_format, out, **options):
        fund_obj = Fund.objects.filter(slug=fund).first()
        if fund_obj is None:
            known = ", ".join(Fund.objects.order_by("slug").values_list("slug", flat=True)) or "none"
            raise CommandError(f"No fund with slug “{fund}” (funds: {known}).")
        if file_format == "xlsx":
            content = fund_workbook_bytes(fund=fund_obj)
        else:
            content = fund_csv_text(fund=fund_obj).encode(CSV_ENCODING)
        try:
            Path(out).write_bytes(content)
        except OSError as exc:
            raise CommandError(f"Could not write {out}: {exc.strerror or exc}.") from None
        self.stdout.write(f"Wrote {fund_obj.name} ({file_format}) to {out}.")
