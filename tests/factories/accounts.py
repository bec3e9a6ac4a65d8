import factory

from accounts.models import Membership, Partnership, User
from accounts.roles import Role, roles_forget

# Test users made with roles but no programme hold those roles on every programme: the ones that exist when the
# user is made, and (through ProgrammeFactory) the ones made later in the same test. A test about partnerships
# passes programmes=[...] instead. Emptied before each test (tests/conftest.py).
FLOATING: dict[int, list[str]] = {}


def memberships_grant(user, roles, programmes) -> None:
    """Open-ended memberships of each role on each programme (skipping any already held)."""
    rows = [
        Membership(user=user, programme=programme, role=Role(role).value)
        for programme in programmes
        for role in roles
        if not Membership.objects.filter(
            user=user, programme=programme, role=Role(role).value, end_date__isnull=True
        ).exists()
    ]
    for row in rows:
        row.save()
    roles_forget(user)


class PartnershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Partnership
        django_get_or_create = ("slug",)

    slug = "test-partnership"
    name = "Test partnership"
    hwb_area = "Test HWB area"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = "Test"
    last_name = factory.Sequence(lambda n: f"Person{n}")
    password = factory.PostGenerationMethodCall("set_password", "correct-horse-battery")

    @factory.post_generation
    def roles(self, create, extracted, programmes=None, **kwargs):
        from schemes.models import Programme

        self.save()
        roles = list(extracted or [])
        if not roles:
            return
        if programmes is None:
            from tests.factories.schemes import ProgrammeFactory

            FLOATING[self.pk] = roles
            # A role is held on a programme: a test that has none yet gets one (and any it makes later).
            programmes = list(Programme.objects.all()) or [ProgrammeFactory()]
        memberships_grant(self, roles, programmes)
