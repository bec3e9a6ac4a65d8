from django.core.management.base import BaseCommand

from schemes.services import weekly_digests_send


class Command(BaseCommand):
    help = "E-mail each project lead who opted in what is due on their schemes, now (as the weekly schedule does)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--again", action="store_true", help="Send even to leads already sent one this week (Monday to Sunday)."
        )

    def handle(self, *args, again: bool = False, **options):
        outcome = weekly_digests_send(again=again)
        self.stdout.write(
            f"Weekly digest: {outcome.sent} sent, {outcome.nothing_due} with nothing due, "
            f"{outcome.already_sent} already sent this week, {outcome.no_email} with no e-mail address, "
            f"{outcome.failed} failed."
        )
