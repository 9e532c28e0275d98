from django import forms
from dsfr.forms import DsfrBaseForm


class NotificationBatchForm(DsfrBaseForm):
    """Messages handled together: the letters shown on the page (marked printed together, never the ones that
    arrived since), or the messages of one row of the call list ("Appel fait" once for all of them)."""

    notifications = forms.ModelMultipleChoiceField(queryset=None, widget=forms.MultipleHiddenInput)

    def __init__(self, *args, queryset, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["notifications"].queryset = queryset
