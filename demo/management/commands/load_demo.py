from django.conf import settings
from django.core.management.base import BaseCommand

from demo.services import DEMO_USERS, demo_load


class Command(BaseCommand):
    help = "Load the Trafford BCF 2015/16 demo programme, the Trafford TF fund and the demo sign-ins (idempotent)."

    def handle(self, *args, **options):
        report = demo_load()
        if report.programme_created:
            self.stdout.write(f"Loaded programme trafford-bcf-2015-16: {report.counts}")
        else:
            self.stdout.write("Programme trafford-bcf-2015-16 already loaded: left unchanged.")
        self.stdout.write(
            "Loaded fund trafford-tf." if report.fund_created else "Fund trafford-tf already loaded: left unchanged."
        )
        self.stdout.write("\nDemo sign-ins (password: the DEMO_PASSWORD setting, default in the README):")
        for spec in DEMO_USERS:
            self.stdout.write(f"  {spec['username']:<10} {spec['roles'][0].label}")
        if settings.DEMO_PASSWORD == "trafford-demo-2015":
            self.stdout.write("  password:  trafford-demo-2015")
