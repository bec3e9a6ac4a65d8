from django import template
from django.utils.html import format_html, format_html_join

register = template.Library()


@register.simple_tag
def field_errors(result, key, field):
    """Errors of one field of the form identified by `key`, if that form was the one just submitted."""
    if not result or result.key != key or result.ok:
        return ""
    messages = result.errors.get(field) or []
    if not messages:
        return ""
    return format_html(
        '<div class="invalid-feedback d-block" id="{}-{}-error">{}</div>',
        key,
        field,
        format_html_join(" ", "{}", ((m,) for m in messages)),
    )


@register.simple_tag
def posted(result, key, field, default=""):
    """The value the user typed, when re-showing their failed form; otherwise the default."""
    if result and result.key == key and not result.ok and result.data is not None:
        return result.data.get(field, default)
    return default


@register.simple_tag
def is_open(result, key):
    return "open" if result and result.key == key and not result.ok else ""
