from django.urls import path

from . import views

urlpatterns = [
    path("", views.activity_list, name="list"),
    path("nouveau/", views.accompaniment_create, name="create"),
    path("atelier/nouveau/", views.workshop_create, name="workshop_create"),
    path("seance/<int:session_id>/", views.session_record, name="session"),
    path("<int:pk>/", views.activity_detail, name="detail"),
    path("<int:pk>/modifier/", views.activity_edit, name="edit"),
    path("<int:pk>/supprimer/", views.activity_delete, name="delete"),
]
