from django import forms
from dsfr.forms import DsfrBaseForm
from dsfr.widgets import InlineRadioSelect

from tremplin.diagnostics.enums import Autonomy

YES_NO = [("oui", "Oui"), ("non", "Non")]


def _yes(value) -> bool:
    return value == "oui"


class BigChoice(forms.RadioSelect):
    """Large yes/no targets for the counter's tablet (DSFR rich radio, without pictogram)."""

    option_template_name = "diagnostics/widgets/big_choice_option.html"
    inline = True


def yes_no(label, help_text="", widget=InlineRadioSelect):
    field = forms.TypedChoiceField(label=label, help_text=help_text, choices=YES_NO, coerce=_yes, widget=widget)
    # A fieldset with its legend, as for any DSFR radio group (the widget only changes the options).
    field.template_name = "dsfr/form_field_snippets/radioselect_snippet.html"
    return field


SCREENING_QUESTIONS = {
    "used_internet": "Avez-vous utilisé Internet ces trois derniers mois ?",
    "has_email": "Avez-vous une adresse e-mail que vous consultez ?",
    "struggles_online": "Êtes-vous gêné(e) pour faire vos démarches en ligne ?",
    "has_device": "Avez-vous un smartphone, une tablette ou un ordinateur qui marche ?",
}


class SiteChoiceMixin:
    """A `site` field among the user's places; hidden and implied when there is only one."""

    def add_site_field(self, sites, required=True):
        site_list = list(sites[:2])
        self.only_site = site_list[0] if len(site_list) == 1 else None
        field = forms.ModelChoiceField(
            label="Lieu", queryset=sites, required=required and len(site_list) > 1, empty_label=None
        )
        if len(site_list) <= 1:
            field.widget = forms.HiddenInput()
            field.initial = self.only_site.pk if self.only_site else None
        self.fields["site"] = field

    def clean(self):
        data = super().clean()
        if not data.get("site"):
            data["site"] = self.only_site
        return data


class ScreeningForm(SiteChoiceMixin, DsfrBaseForm):
    def __init__(self, *args, sites, **kwargs):
        super().__init__(*args, **kwargs)
        for name, question in SCREENING_QUESTIONS.items():
            self.fields[name] = yes_no(question, widget=BigChoice)
        self.add_site_field(sites)


class DiagnosticForm(SiteChoiceMixin, DsfrBaseForm):
    """Built from the questionnaire data file: the Internet question, one group of boxes per area,
    the autonomy for each use case, and the equipment."""

    def __init__(self, *args, questionnaire, sites, **kwargs):
        super().__init__(*args, **kwargs)
        self.questionnaire = questionnaire
        question = questionnaire.internet_question
        self.fields["internet_last_3_months"] = yes_no(question["label"], question.get("hint", ""))
        intro = questionnaire.data.get("activity_intro", "")
        for area in questionnaire.areas:
            self.fields[f"area_{area['id']}"] = forms.MultipleChoiceField(
                label=f"{area['label']} — {intro}",
                help_text="Cochez ce que la personne a fait. Ce qui n'est pas coché compte comme « non ».",
                choices=[(item["id"], item["label"]) for item in area["items"]],
                required=False,
                widget=forms.CheckboxSelectMultiple,
            )
        for use_case in questionnaire.use_cases:
            self.fields[f"usage_{use_case['id']}"] = forms.ChoiceField(
                label=use_case["label"], choices=Autonomy.choices, widget=InlineRadioSelect
            )
        self.fields["equipment"] = forms.MultipleChoiceField(
            label="Équipement de la personne",
            help_text="Cochez ce qu'elle possède.",
            choices=[(item["id"], item["label"]) for item in questionnaire.equipment],
            required=False,
            widget=forms.CheckboxSelectMultiple,
        )
        # Defaults to the person's place (the view passes it as initial).
        self.add_site_field(sites, required=False)

    def area_fields(self):
        return [self[f"area_{area['id']}"] for area in self.questionnaire.areas]

    def use_case_fields(self):
        return [self[f"usage_{use_case['id']}"] for use_case in self.questionnaire.use_cases]

    def answers(self) -> list[str]:
        return [item for area in self.questionnaire.areas for item in self.cleaned_data[f"area_{area['id']}"]]

    def use_cases(self) -> dict[str, str]:
        return {u["id"]: self.cleaned_data[f"usage_{u['id']}"] for u in self.questionnaire.use_cases}
