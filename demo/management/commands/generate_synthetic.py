from django.core.management.base import BaseCommand, CommandError

from demo.synthetic import synthetic_programme_generate
from schemes.models import Programme


class Command(BaseCommand):
    help = "Generate a synthetic programme for scale testing: N schemes × M milestones, 12 monthly periods."

    def add_arguments(self, parser):
        parser.add_argument("--schemes", type=int, default=500)
        parser.add_argument("--milestones-per-scheme", type=int, default=20)
        parser.add_argument("--periods", type=int, default=12)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--risks", type=int, default=0, help="risks on the register (each linked to a scheme)")

    def handle(self, *args, schemes, milestones_per_scheme, periods, seed, risks, **options):
        if schemes < 1 or milestones_per_scheme < 0 or periods < 1 or risks < 0:
            raise CommandError("--schemes and --periods must be at least 1, --milestones-per-scheme at least 0.")
        slug = f"synthetic-{seed}-{schemes}x{milestones_per_scheme}"
        if Programme.objects.filter(slug=slug).exists():
            raise CommandError(f"Programme {slug} already exists; use another --seed.")
        programme = synthetic_programme_generate(
            schemes=schemes,
            milestones_per_scheme=milestones_per_scheme,
            periods=periods,
            seed=seed,
            slug=slug,
            risks=risks,
        )
        self.stdout.write(
            f"Created {programme.slug}: {schemes} schemes × {milestones_per_scheme} milestones, {periods} periods."
        )
