"""The menu's question, where a page has no object to ask about:
`{% if user|may:"import.run" %}`. Pages ask `{% if "finding.edit" in can %}` of the
`can = permissions.abilities(user, obj)` their view hands them."""

from django import template

from issues import permissions

register = template.Library()


@register.filter
def may(user, ability: str) -> bool:
    """Whether the user may do `ability` to anything at all."""
    return permissions.allowed(user, ability)


@register.filter
def sees_county_records(user) -> bool:
    """Whether the menu offers the county's reviews, units and reports (not to a unit's
    contact, who sees only the unit's findings)."""
    return permissions.sees_county_records(user)
