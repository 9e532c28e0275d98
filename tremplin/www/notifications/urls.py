from django.urls import path

from . import views

app_name = "notifications"
urlpatterns = [
    path("", views.index, name="index"),
    path("a-appeler/", views.to_call, name="to_call"),
    path("a-appeler/appels-faits/", views.calls_done, name="calls_done"),
    path("courriers/", views.letters, name="letters"),
    path("courriers/lot.pdf", views.letters_batch_pdf, name="letters_pdf"),
    path("courriers/imprimes/", views.letters_printed, name="letters_printed"),
    path("<int:pk>/courrier.pdf", views.letter_pdf, name="letter_pdf"),
    path("echecs/", views.failures, name="failures"),
    path("<int:pk>/renvoyer/", views.retry, name="retry"),
]
