from django import forms
from django.core.exceptions import ValidationError
from dsfr.forms import DsfrBaseForm

from tremplin.mandates.enums import (
    CATEGORY_EXAMPLES,
    Category,
    Duration,
    IdentityDocument,
    Outcome,
    RevocationBy,
    SignatureMethod,
)
from tremplin.network.models import Organisation
from tremplin.www.uploads import check_upload


def add_service_errors(form, error: ValidationError) -> None:
    """A service's refusal on the form: on its field when the form has it, else at the top."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


class IdentityDocumentForm(DsfrBaseForm):
    document = forms.ChoiceField(
        label="Pièce d'identité présentée par la personne",
        choices=[("", "Choisir")] + IdentityDocument.choices,
        help_text="Regardez la pièce avec la personne. Tremplin n'en garde ni copie ni numéro.",
    )


class MandateForm(DsfrBaseForm):
    categories = forms.MultipleChoiceField(
        label="Démarches que l'organisation pourra faire au nom de la personne",
        choices=[(value, f"{label} — {CATEGORY_EXAMPLES[value]}") for value, label in Category.choices],
        widget=forms.CheckboxSelectMultiple,
        help_text="Cochez seulement ce que la personne demande. Elle pourra arrêter chaque catégorie à tout moment.",
    )
    duration = forms.ChoiceField(
        label="Durée du mandat", choices=Duration.choices, widget=forms.RadioSelect, initial=Duration.DAY
    )


class SignatureForm(DsfrBaseForm):
    method = forms.ChoiceField(
        label="Comment la personne a-t-elle signé ?",
        choices=SignatureMethod.choices,
        widget=forms.RadioSelect,
        initial=SignatureMethod.PAPER,
    )
    signed_in_front_of_me = forms.BooleanField(
        label="La personne a lu le mandat (ou je le lui ai lu) et l'a signé devant moi.", required=True
    )
    scan = forms.FileField(
        label="Scan ou photo du mandat signé (facultatif)",
        required=False,
        help_text="Seule son empreinte est gardée, pas le fichier. Format PDF, JPEG ou PNG, 10 Mo au plus.",
    )
    signature = forms.CharField(widget=forms.HiddenInput, required=False)

    MAX_SCAN = 10 * 1024 * 1024

    def clean_scan(self):
        scan = self.cleaned_data.get("scan")
        if not scan:
            return None
        # Size, extension and content (tremplin/www/uploads.py); only the fingerprint of the bytes is kept.
        wrong_type = "Ce fichier n'est ni un PDF, ni une photo JPEG ou PNG."
        check_upload(scan, kinds=("pdf", "jpeg", "png"), max_bytes=self.MAX_SCAN, wrong_type=wrong_type)
        return scan.read()

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("method") == SignatureMethod.TABLET and not cleaned.get("signature"):
            self.add_error("method", "La signature sur la tablette est vide : faites signer la personne dans le cadre.")
        return cleaned


class RevocationForm(DsfrBaseForm):
    on_behalf_of = forms.ChoiceField(
        label="Qui demande la révocation ?",
        choices=RevocationBy.choices,
        widget=forms.RadioSelect,
        initial=RevocationBy.PERSON,
    )
    reason = forms.CharField(label="Motif (facultatif)", max_length=300, required=False)


class TransferForm(DsfrBaseForm):
    to_organisation = forms.ModelChoiceField(
        label="Nouvelle organisation qui suivra la personne",
        queryset=Organisation.objects.none(),
        empty_label="Choisir",
    )
    person_agreed = forms.BooleanField(
        label="La personne est présente et accepte que ses mandats et sa fiche passent à cette organisation.",
        required=True,
    )

    def __init__(self, *args, current_organisation_id, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_organisation"].queryset = Organisation.objects.exclude(pk=current_organisation_id)


class UseForm(DsfrBaseForm):
    category = forms.ChoiceField(label="Catégorie de la démarche", choices=())
    procedure = forms.CharField(
        label="Démarche faite",
        max_length=200,
        help_text="Par exemple « Demande d'aide au logement sur caf.fr ». N'écrivez pas de données personnelles.",
    )
    outcome = forms.ChoiceField(
        label="Résultat", choices=Outcome.choices, widget=forms.RadioSelect, initial=Outcome.DONE
    )

    def __init__(self, *args, categories, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = [(c, Category(c).label) for c in categories]
        if len(categories) == 1:
            self.fields["category"].initial = categories[0]
