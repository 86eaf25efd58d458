"""Breadcrumbs (全国 › 省 › 县 › 问题): `{% trail place %}` on every page below the top level.

The trail starts at the highest level the user may open: a county's staff get no 全国 or
province crumb they could not follow. `place` is a Finding, a County or a Province (or None:
the user's own county or province); the steps below it are label/URL pairs and the current
page's label (`{% url 'review_list' as reviews %}{% trail None _("检查") reviews label %}`)."""

from django import template
from django.urls import reverse
from django.utils.translation import gettext as _

from issues import permissions
from issues.models import County, Finding, Province

register = template.Library()


def crumbs(user, place=None, steps=(), review: str = ""):
    """[(label, url or "")] from the top to the current page (its url "").

    `steps` go below `place`: (label, url) pairs, then the current page's label when it is
    not `place` itself. A finding's own steps are 问题台账, its review and its number."""
    finding = place if isinstance(place, Finding) else None
    county = finding.county if finding else place if isinstance(place, County) else None
    if place is None:
        county = getattr(user, "county", None)
    province = place if isinstance(place, Province) else None
    # A county's province is fetched only for those who may open some province's page.
    if not province and permissions.allowed(user, "province.view"):
        province = county.province if county else getattr(user, "province", None)
    trail = []
    if permissions.allowed(user, "nation.view"):
        trail.append((_("全国"), reverse("nation_dashboard")))
    if province and permissions.allowed(user, "province.view", province):
        trail.append((province.name, reverse("province_dashboard", args=[province.code])))
    if county and permissions.allowed(user, "ledger.view", county):
        trail.append((county.display_short_name, reverse("county_dashboard", args=[county.code])))
    if finding:
        ledger = reverse("finding_list")
        trail.append((_("问题台账"), ledger))
        trail.append((review or str(finding.review), f"{ledger}?review={finding.review_id}"))
        trail.append((f"{finding.category.order}.({finding.order})", finding.get_absolute_url()))
    steps = list(steps)
    while len(steps) >= 2:
        label, url, *steps = steps
        trail.append((str(label), url or ""))
    if steps:
        trail.append((str(steps[0]), ""))
    if trail:
        trail[-1] = (trail[-1][0], "")
    return trail


@register.inclusion_tag("snippets/breadcrumbs.html", takes_context=True)
def trail(context, place=None, *steps, review: str = "") -> dict:
    """`{% trail place label url … here %}`."""
    items = crumbs(context["request"].user, place, steps, review)
    # One crumb is the top level itself: no trail.
    return {"items": items if len(items) > 1 else []}
