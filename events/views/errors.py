"""The 500 page in the app's layout.

Django renders its 500 page without the request, so the layout would lose its navigation.
This renders it with the request; if that fails too (the database may be why we are here),
Django's plain page is the answer: an error page must never raise.
"""

import logging

from django.shortcuts import render
from django.views.decorators.csrf import requires_csrf_token
from django.views.defaults import server_error as plain_server_error

logger = logging.getLogger(__name__)


@requires_csrf_token
def server_error(request):
    try:
        return render(request, "500.html", status=500)
    except Exception:
        logger.exception("The 500 page could not be rendered in the layout")
        return plain_server_error(request, template_name="500-plain.html")
