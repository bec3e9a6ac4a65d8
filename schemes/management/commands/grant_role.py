"""python manage.py grant_role --user U --programme SLUG --role "Programme office" [--start D] [--end D]"""

import datetime as dt

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from accounts.models import User
from accounts.roles import Role
from accounts.services import membership_grant
from schemes.models import Programme


def _date(value: str | None, name: str) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"--{name} must be a date written YYYY-MM-DD, not “{value}”.") from None


class Command(BaseCommand):
    help = (
        "Give a person a role on one programme (a membership, from --start or today, until --end if given). "
        "This is how the first programme office of a programme is made; after that the programme office looks "
        "after its own people."
    )

    def add_arguments(self, parser):
        parser.add_argument("--user", required=True, help="The person's username.")
        parser.add_argument("--programme", required=True, help="The programme's slug, e.g. trafford-bcf-2015-16.")
        parser.add_argument("--role", required=True, help=f"One of: {', '.join(Role.values)}.")
        parser.add_argument("--start", default="", help="First day in the role, YYYY-MM-DD (default: today).")
        parser.add_argument("--end", default="", help="Last day in the role, YYYY-MM-DD (default: open-ended).")

    def handle(self, *args, user, programme, role, start, end, **options):
        person = User.objects.filter(username=user).first()
        if person is None:
            raise CommandError(f"No user “{user}”: create the account first (createsuperuser, or the admin).")
        found = Programme.objects.filter(slug=programme).first()
        if found is None:
            known = ", ".join(Programme.objects.order_by("slug").values_list("slug", flat=True)) or "none"
            raise CommandError(f"No programme “{programme}” (programmes: {known}).")
        if role not in Role.values:
            raise CommandError(f"“{role}” is not a role. The roles are: {', '.join(Role.values)}.")
        try:
            membership = membership_grant(
                user=person, programme=found, role=role, start_date=_date(start, "start"), end_date=_date(end, "end")
            )
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from None
        until = f" until {membership.end_date:%d/%m/%Y}" if membership.end_date else ""
        self.stdout.write(
            f"{person.username} is {membership.role} on {found.slug} from {membership.start_date:%d/%m/%Y}{until}."
        )
