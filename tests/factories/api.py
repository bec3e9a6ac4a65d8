"""Feed tokens, made as the token page makes them (only the hash is stored)."""

import factory

from accounts.roles import Role
from api import services as api_services
from api.models import ApiToken


class ApiTokenFactory(factory.django.DjangoModelFactory):
    """A token for a user (a finance officer by default); the raw value is on `token.raw`, as shown once."""

    class Meta:
        model = ApiToken

    user = factory.SubFactory("tests.factories.accounts.UserFactory", roles=[Role.FINANCE_OFFICER])
    name = factory.Sequence(lambda n: f"Feed {n}")

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        token, raw = api_services.token_create(**kwargs)
        token.raw = raw
        return token
