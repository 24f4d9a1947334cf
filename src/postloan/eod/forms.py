"""Forms of the end-of-day screens."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

CLASS_CHOICES = (
    ("special_mention", _("Special mention")),
    ("substandard", _("Substandard")),
    ("doubtful", _("Doubtful")),
    ("loss", _("Loss")),
)


class OverrideForm(forms.Form):
    classification = forms.ChoiceField(label=_("Classification"), choices=CLASS_CHOICES)
    reason = forms.CharField(label=_("Reason"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))
    until = forms.DateField(
        label=_("Until (optional)"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
