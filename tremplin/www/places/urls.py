from django.urls import path

from . import views

app_name = "places"

urlpatterns = [
    path("", views.index, name="search"),
    path("mes-lieux/", views.mine, name="mine"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/modifier/", views.edit, name="edit"),
]
