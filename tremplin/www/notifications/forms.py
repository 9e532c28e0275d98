from django import forms
from dsfr.forms import DsfrBaseForm


class LetterBatchForm(DsfrBaseForm):
    """The letters shown on the page, marked printed together (never the ones that arrived since)."""

    notifications = forms.ModelMultipleChoiceField(queryset=None, widget=forms.MultipleHiddenInput)

    def __init__(self, *args, queryset, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["notifications"].queryset = queryset
