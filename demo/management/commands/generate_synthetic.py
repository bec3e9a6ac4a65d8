import time

from django.core.management.base import BaseCommand, CommandError

from demo.synthetic import synthetic_partnerships_generate, synthetic_programme_generate
from schemes.models import Programme


class Command(BaseCommand):
    help = (
        "Generate a synthetic programme for scale testing: N schemes × M milestones, 12 monthly periods; "
        "optionally funds with an allocation per scheme and a ledger of movements. With --partnerships P, P "
        "partnerships each with a programme of that size (default 50 schemes, 50 risks, a fund): national scale."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--partnerships",
            type=int,
            default=0,
            help="that many partnerships, each with its own programme (--schemes defaults to 50, --risks to 50)",
        )
        parser.add_argument("--schemes", type=int, default=None, help="500; 50 with --partnerships")
        parser.add_argument("--milestones-per-scheme", type=int, default=20)
        parser.add_argument("--periods", type=int, default=12)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument(
            "--risks",
            type=int,
            default=None,
            help="risks on the register (each linked to a scheme); 0, or 50 with --partnerships",
        )
        parser.add_argument(
            "--funds", type=int, default=0, help="funds, each with contributions and an allocation per scheme"
        )
        parser.add_argument(
            "--movements",
            type=int,
            default=0,
            help="approved movements across all the funds (allocations, repurposings, releases, reversals)",
        )
        parser.add_argument(
            "--metrics", type=int, default=0, help="programme metrics, each with three years of monthly actuals"
        )
        parser.add_argument("--kpis", type=int, default=0, help="scheme KPIs, likewise")

    def handle(
        self,
        *args,
        partnerships,
        schemes,
        milestones_per_scheme,
        periods,
        seed,
        risks,
        funds,
        movements,
        metrics,
        kpis,
        **options,
    ):
        if partnerships:
            self._partnerships(partnerships, schemes, milestones_per_scheme, seed, risks)
            return
        schemes = 500 if schemes is None else schemes
        risks = risks or 0
        if schemes < 1 or milestones_per_scheme < 0 or periods < 1 or risks < 0 or metrics < 0 or kpis < 0:
            raise CommandError("--schemes and --periods must be at least 1, --milestones-per-scheme at least 0.")
        if funds < 0 or movements < 0 or (movements and not funds) or (funds and schemes < 2):
            raise CommandError(
                "--funds and --movements cannot be negative, --movements needs --funds, "
                "and funds need at least 2 schemes to move money between."
            )
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
            funds=funds,
            movements=movements,
            metrics=metrics,
            kpis=kpis,
        )
        money = f", {funds} funds with {movements} movements" if funds else ""
        money += f", {metrics} metrics and {kpis} KPIs with 3 years of monthly actuals" if metrics or kpis else ""
        self.stdout.write(
            f"Created {programme.slug}: {schemes} schemes × {milestones_per_scheme} milestones, {periods} periods{money}."
        )

    def _partnerships(self, partnerships, schemes, milestones_per_scheme, seed, risks) -> None:
        schemes = 50 if schemes is None else schemes
        risks = 50 if risks is None else risks
        if partnerships < 1 or schemes < 2 or milestones_per_scheme < 0 or risks < 0:
            raise CommandError("--partnerships must be at least 1 and --schemes at least 2.")
        taken = [
            f"synthetic-p{seed + n}-{schemes}x{milestones_per_scheme}"
            for n in range(partnerships)
            if Programme.objects.filter(slug=f"synthetic-p{seed + n}-{schemes}x{milestones_per_scheme}").exists()
        ]
        if taken:
            raise CommandError(f"Programme {taken[0]} already exists; use another --seed.")
        start = time.perf_counter()
        programmes = synthetic_partnerships_generate(
            partnerships=partnerships,
            schemes=schemes,
            milestones_per_scheme=milestones_per_scheme,
            risks=risks,
            seed=seed,
        )
        self.stdout.write(
            f"Created {len(programmes)} partnerships, each with a programme of {schemes} schemes × "
            f"{milestones_per_scheme} milestones, {risks} risks and a fund, in {time.perf_counter() - start:.1f} s."
        )
