"""Pages other sites may show in a frame. Every other page refuses it (X-Frame-Options DENY, CSP frame-ancestors
'none')."""

from functools import wraps

from csp.decorators import csp_replace
from django.conf import settings
from django.views.decorators.clickjacking import xframe_options_exempt


def embeddable(view):
    """The view's pages may be framed by the sites of settings.TREMPLIN_EMBED_ANCESTORS ("*": any site)."""

    @wraps(view)
    @xframe_options_exempt
    def wrapped(request, *args, **kwargs):
        allow = csp_replace({"frame-ancestors": settings.TREMPLIN_EMBED_ANCESTORS})
        return allow(view)(request, *args, **kwargs)

    return wrapped
