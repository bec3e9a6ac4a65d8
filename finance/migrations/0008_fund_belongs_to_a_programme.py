import datetime as dt

import django.db.models.deletion
from django.db import migrations, models


def funds_to_programmes(apps, schema_editor):
    """A fund tied to no programme was shown on every programme's dashboard and report: give each its own
    programme in the first partnership (Trafford's: the only one before issue 17), named and dated after the
    fund, so its money is shown only there."""
    Fund = apps.get_model("finance", "Fund")
    Programme = apps.get_model("schemes", "Programme")
    Partnership = apps.get_model("accounts", "Partnership")
    orphans = list(Fund.objects.filter(programme__isnull=True).order_by("pk"))
    if not orphans:
        return
    partnership = Partnership.objects.order_by("pk").first() or Partnership.objects.create(
        slug="trafford", name="Trafford", hwb_area="Trafford"
    )
    for fund in orphans:
        years = sorted(fund.financial_years.values_list("start_year", flat=True))
        first, last = (years[0], years[-1]) if years else (2015, 2015)
        slug, n = fund.slug, 1
        while Programme.objects.filter(slug=slug).exists():
            n += 1
            slug = f"{fund.slug}-{n}"
        programme = Programme.objects.create(
            slug=slug,
            name=fund.name,
            partnership=partnership,
            start_date=dt.date(first, 4, 1),
            end_date=dt.date(last + 1, 4, 1),
        )
        fund.programme = programme
        fund.save(update_fields=["programme"])


class Migration(migrations.Migration):
    """A fund belongs to one programme (issue 17 §1): a programme's money comes only from its own funds."""

    dependencies = [
        ("accounts", "0006_partnership"),
        ("finance", "0007_appendix_lines_as_printed"),
        ("schemes", "0008_programme_partnership"),
    ]

    operations = [
        migrations.RunPython(funds_to_programmes, migrations.RunPython.noop),
    ]
