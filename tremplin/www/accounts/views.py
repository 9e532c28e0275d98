from django.contrib.auth.decorators import login_required
from django.http import HttpResponse


@login_required
def security(request):
    return HttpResponse("TODO")


@login_required
def verify(request):
    return HttpResponse("TODO")
