"""``{% office_url "services:list" %}``: a link that stays inside the office the page is for.

Like ``{% url %}`` with positional arguments; under ``/<lang>/offices/<slug>/`` it gives the
same page of that office, elsewhere the unprefixed page (``services.offices.office_url``).
Every link between an office's pages is written with it.
"""

from django import template

from services.offices import office_url as reverse_in_office

register = template.Library()


@register.simple_tag(takes_context=True)
def office_url(context, viewname, *args):
    return reverse_in_office(context.get("request"), viewname, *args)
