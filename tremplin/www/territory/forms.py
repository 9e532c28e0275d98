from django import forms
from dsfr.forms import DsfrBaseForm

from tremplin.territories.enums import IndicatorDirection
from tremplin.www.uploads import check_upload

MAX_UPLOAD_BYTES = 30 * 1024 * 1024  # a national file, one line per commune, may be larger than the platform's limit


class IndicatorUploadForm(DsfrBaseForm):
    file = forms.FileField(
        label="Fichier CSV",
        help_text="Encodé en UTF-8, séparateur « ; » ou « , », une ligne d'en-tête. Taille maximale : 30 Mo.",
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )
    code = forms.SlugField(
        label="Code de l'indicateur",
        max_length=60,
        help_text="Identifiant court : lettres non accentuées, chiffres, « _ » et « - » (ex. : taux_illectronisme).",
    )
    label = forms.CharField(label="Libellé affiché", max_length=200)
    column = forms.CharField(label="Colonne des valeurs", max_length=100, help_text="Nom exact de la colonne.")
    code_column = forms.CharField(label="Colonne des codes INSEE des communes", max_length=100, initial="code_insee")
    direction = forms.TypedChoiceField(
        label="Sens de l'indicateur",
        choices=IndicatorDirection.choices,
        coerce=int,
        initial=IndicatorDirection.HIGHER_IS_MORE_FRAGILE,
        widget=forms.RadioSelect,
    )
    unit = forms.CharField(label="Unité", max_length=30, required=False, help_text="Par exemple « % » ou « km ».")
    source = forms.CharField(
        label="Source",
        max_length=300,
        required=False,
        help_text="Producteur et millésime ; par défaut, le nom du fichier.",
    )
    scored = forms.BooleanField(label="Compte dans le score de fragilité", required=False)

    def clean_file(self):
        # Size, extension and content (text, not a binary file renamed .csv): tremplin/www/uploads.py.
        return check_upload(self.cleaned_data["file"], kinds=("csv",), max_bytes=MAX_UPLOAD_BYTES)


class IndicatorScoredForm(forms.Form):
    scored = forms.TypedChoiceField(choices=[("1", "oui"), ("0", "non")], coerce=lambda value: value == "1")
