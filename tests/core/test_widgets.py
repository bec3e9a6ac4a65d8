from core.widgets import FastSelect


def test_fast_select_renders_escaped_options_and_the_selection():
    widget = FastSelect(choices=[("", "All"), (1, "5.1 <Nursing>"), (2, "5.2 End of Life")])
    html = widget.render("scheme", "2", attrs={"id": "id_scheme", "class": "form-select"})
    assert html.startswith('<select class="form-select" id="id_scheme" name="scheme">')
    assert '<option value="1">5.1 &lt;Nursing&gt;</option>' in html
    assert '<option value="2" selected>5.2 End of Life</option>' in html
    assert '<option value="">All</option>' in html
