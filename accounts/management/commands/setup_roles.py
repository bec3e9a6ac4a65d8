from django.core.management.base import BaseCommand

from accounts.services import programme_office_admin_permissions_grant


class Command(BaseCommand):
    help = "Create the role groups and give the programme office its admin permissions (safe to re-run)."

    def handle(self, *args, **options):
        count = programme_office_admin_permissions_grant()
        self.stdout.write(f"Role groups ready; the Programme office group holds {count} admin permissions.")
