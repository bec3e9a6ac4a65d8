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


@register.inclusion_tag("components/action_outcome.html")
def action_outcome(result, key, **field_ids):
    """The outcome of the form identified by `key`, shown at that form (not at the top of the page, so the
    user keeps their place). On an error, a summary in the GOV.UK pattern: announced (role="alert"), focused
    (autofocus, which htmx honours after a swap and the browser on a full page), one link per field problem
    to that field's input. `field_ids` maps a form field to its input's id."""
    if not result or result.key != key:
        return {"show": False}
    links: list[dict[str, str]] = []
    if not result.ok:
        for field_name, messages in result.errors.items():
            if field_name == "__all__" or field_name not in field_ids:
                continue
            label = field_name.replace("_", " ").capitalize()
            links.extend({"href": f"#{field_ids[field_name]}", "text": f"{label}: {m}"} for m in messages)
    return {"show": True, "result": result, "links": links, "key": key}
