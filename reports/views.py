from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from . import selectors


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The landing page: the user's county, province or the whole country at a glance."""
    user = request.user
    today = timezone.localdate()
    context = {"today": today}
    if user.county_id:
        context.update(selectors.county_summary(user.county, today), county=user.county)
        template = "reports/home_county.html"
    elif user.province_id:
        context.update(selectors.province_summary(user.province, today), province=user.province)
        template = "reports/home_province.html"
    elif user.sees_everything:
        context.update(selectors.national_summary(today))
        template = "reports/home_national.html"
    else:
        template = "reports/home_unassigned.html"
    return render(request, template, context)
