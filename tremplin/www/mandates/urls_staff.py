from django.urls import path

from . import staff

urlpatterns = [
    path("", staff.mandate_list, name="list"),
    path("nouveau/<int:person_pk>/", staff.mandate_create, name="create"),
    path("nouveau/<int:person_pk>/piece-d-identite/", staff.identity_document, name="identity_document"),
    path("<int:pk>/", staff.mandate_detail, name="detail"),
    path("<int:pk>/mandat.pdf", staff.attestation_pdf, name="attestation_pdf"),
    path("<int:pk>/signature/", staff.mandate_sign, name="sign"),
    path("<int:pk>/abandonner/", staff.mandate_cancel, name="cancel"),
    path("<int:pk>/revoquer/", staff.mandate_revoke, name="revoke"),
    path(
        "<int:pk>/autorisations/<int:authorisation_pk>/revoquer/",
        staff.authorisation_revoke,
        name="authorisation_revoke",
    ),
    path("<int:pk>/recu-de-revocation.pdf", staff.receipt_pdf, name="receipt_pdf"),
    path("<int:pk>/transferer/", staff.mandate_transfer, name="transfer"),
    path("<int:pk>/demarche/", staff.mandate_use, name="use"),
]
