from django import template

from schemes.panels import scheme_panels_render

register = template.Library()


@register.simple_tag(takes_context=True)
def scheme_panels(context, scheme):
    """The sections other apps add to the scheme page (see schemes.panels)."""
    request = context.get("request")
    return scheme_panels_render(scheme=scheme, user=getattr(request, "user", None), request=request)
