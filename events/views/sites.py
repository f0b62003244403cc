"""Sites and their alert thresholds, which directors change for their own sites."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from events import selectors
from events.access import DIRECTORS, require_role, roles_at
from events.forms import ThresholdsForm
from events.models import Site
from events.services.sites import site_thresholds_update
from events.views.support import call_service


@login_required
def site_list(request):
    sites = list(selectors.site_list(request.user))
    for site in sites:
        site.is_mine_to_edit = bool(roles_at(request.user, site.pk) & set(DIRECTORS))
    return render(
        request, "events/site_list.html", {"sites": sites, "fields": Site.THRESHOLD_FIELDS}
    )


@login_required
@require_http_methods(["GET", "POST"])
def site_thresholds(request, pk):
    site = selectors.site_get(request.user, pk)
    require_role(request.user, site, *DIRECTORS)
    initial = {name: getattr(site, name) for name in Site.THRESHOLD_FIELDS}
    form = ThresholdsForm(request.POST or None, initial={**initial, "version": site.version})
    if request.method == "POST" and form.is_valid():
        updated = call_service(
            form,
            lambda: site_thresholds_update(
                site=site,
                actor=request.user,
                data=form.service_data(),
                expected_version=form.cleaned_data["version"],
                reason=form.cleaned_data["reason"],
            ),
        )
        if updated:
            messages.success(request, f"Thresholds of {site.name} saved.")
            return redirect("site-list")
    return render(request, "events/site_thresholds.html", {"form": form, "site": site})
