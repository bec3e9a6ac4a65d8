"""Migrate the provider's database and register the app under test and the people the tests sign in as.
Run in the provider's own process: python -m tests.accounts.oidc_provider.setup_provider <json>"""

import json
import sys

import django


def main(spec: dict) -> None:
    django.setup()
    from django.contrib.auth.models import User
    from django.core.management import call_command
    from oauth2_provider.models import Application

    call_command("migrate", verbosity=0)
    for person in spec["people"]:
        User.objects.create_user(
            username=person["username"],
            email=person["email"],
            password=spec["password"],
            first_name=person.get("first_name", ""),
            last_name=person.get("last_name", ""),
        )
    Application.objects.create(
        name="BCF programme",
        client_id=spec["client_id"],
        client_secret=spec["client_secret"],
        client_type=Application.CLIENT_CONFIDENTIAL,
        authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
        redirect_uris=spec["redirect_uri"],
        algorithm=Application.RS256_ALGORITHM,
        skip_authorization=True,
    )


if __name__ == "__main__":
    main(json.loads(sys.argv[1]))
