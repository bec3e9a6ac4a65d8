"""Form widgets."""

from django import forms
from django.forms.utils import flatatt
from django.utils.html import format_html, format_html_join


class FastSelect(forms.Select):
    """A <select> rendered in Python rather than one template per option.

    Filter forms list every scheme of a programme (500 in our benchmark); Django's template-per-option
    rendering made that one dropdown cost more than the rest of the page.
    """

    def render(self, name, value, attrs=None, renderer=None):
        attrs = self.build_attrs(self.attrs, attrs or {})
        attrs["name"] = name
        selected = {str(v) for v in (value if isinstance(value, list | tuple) else [value]) if v is not None}
        options = []
        for option_value, label in self.choices:
            key = str(getattr(option_value, "value", option_value))
            options.append((key, " selected" if key in selected else "", label))
        return format_html(
            "<select{}>{}</select>",
            flatatt(attrs),
            format_html_join("", '<option value="{}"{}>{}</option>', options),
        )
