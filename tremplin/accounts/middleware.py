"""Second factor: a signed-in session that owes a code, or an enrolment, reaches no other page (admin included).

The rules are in tremplin.accounts.second_factor. Static files are served before this middleware (WhiteNoise),
and a URL that matches no view gets its 404 without being looked at here.
"""

from django.shortcuts import redirect

from . import second_factor


class SecondFactorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        what = second_factor.owed(request)
        if what is None or request.resolver_match.view_name in second_factor.ALLOWED_VIEWS[what]:
            return None
        return redirect(second_factor.owed_url(what, request.get_full_path()))
