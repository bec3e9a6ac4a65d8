"""A programme's own localities (Set up › Localities) on the scheme form and in the workbook's Locality column
(issue 17): offered and matched by name; another programme's or a retired one is not offered; an unknown name is
refused with its row; a programme without localities keeps the fixed areas."""

import io

import pytest
from openpyxl import load_workbook

from core.spreadsheets import SpreadsheetErrors
from programme_load.services import programme_workbook_load
from programme_load.template import programme_template_bytes
from schemes.forms import SchemeDetailsForm
from schemes.models import Locality, Scheme
from schemes.services import locality_add, locality_update
from tests.factories.schemes import ProgrammeFactory, SchemeFactory
from tests.programme_load.conftest import TODAY, programme_sheets, workbook_file

pytestmark = pytest.mark.django_db


def _load(setup, sheets):
    return programme_workbook_load(
        programme=setup["programme"],
        file=workbook_file(setup["programme"], sheets),
        user=setup["pmo"],
        fund=setup["fund"],
        decision=setup["decision"],
        dry_run=False,
        today=TODAY,
    )


def test_the_scheme_form_offers_only_the_programmes_current_localities():
    programme, other = ProgrammeFactory(), ProgrammeFactory()
    north = locality_add(programme=programme, name="North Northshire")
    old = locality_update(locality=locality_add(programme=programme, name="Old ward"), name="Old ward", is_retired=True)
    locality_add(programme=other, name="Elsewhere")
    SchemeFactory(programme=programme)
    form = SchemeDetailsForm(initial={"programme_locality": None}, programme=programme)
    assert list(form.fields["programme_locality"].queryset) == [north]
    # A scheme already in a retired locality keeps it on offer.
    form = SchemeDetailsForm(initial={"programme_locality": old.pk}, programme=programme)
    assert set(form.fields["programme_locality"].queryset) == {north, old}


def test_the_workbook_names_the_programmes_localities(setup):
    programme = setup["programme"]
    locality_add(programme=programme, name="Sale and Altrincham")
    locality_add(programme=programme, name="Urmston")
    template = load_workbook(
        io.BytesIO(
            programme_template_bytes(programme=programme, workstreams=[], localities=["Sale and Altrincham", "Urmston"])
        )
    )
    (validation,) = [v for v in template["Schemes"].data_validations.dataValidation if "D2" in str(v.sqref)]
    assert validation.formula1 == '"Sale and Altrincham,Urmston"'
    sheets = programme_sheets(2, 1)
    sheets["Schemes"][0]["Locality"] = "sale and altrincham"  # case and spaces as a person types them
    sheets["Schemes"][1]["Locality"] = "Urmston"
    _load(setup, sheets)
    loaded = {s.ref: s.programme_locality.name for s in Scheme.objects.filter(programme=programme)}
    assert loaded == {"N1": "Sale and Altrincham", "N2": "Urmston"}

    sheets["Schemes"][1]["Locality"] = "North"  # a fixed area, not one of this programme's localities
    with pytest.raises(SpreadsheetErrors) as refused:
        _load(setup, sheets)
    assert [(e["sheet"], e["row"], e["column"]) for e in refused.value.errors] == [("Schemes", 3, "Locality")]
    assert "“Sale and Altrincham”, “Urmston”" in refused.value.errors[0]["message"]


def test_without_localities_the_fixed_areas_still_load(setup):
    _load(setup, programme_sheets(1, 1))
    scheme = Scheme.objects.get(programme=setup["programme"])
    assert (scheme.locality, scheme.programme_locality) == (Locality.NORTH, None)
