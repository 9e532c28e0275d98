"""The project's URLs plus one sensitive view, to exercise second_factor_required."""

from django.http import HttpResponse
from django.urls import path

from tremplin.accounts.decorators import second_factor_required
from tremplin.urls import urlpatterns as project_urlpatterns


@second_factor_required
def sensitive(request):
    return HttpResponse("action sensible")


urlpatterns = [*project_urlpatterns, path("sensible/", sensitive, name="sensitive")]
