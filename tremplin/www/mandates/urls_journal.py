"""The mandate journal page for national managers (included by urls.py at "journal/", namespace `mandates`)."""

from django.urls import path

from .journal import journal

urlpatterns = [path("", journal, name="journal")]
