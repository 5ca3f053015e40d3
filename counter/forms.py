"""Forms of the counter pages. Validation of business rules stays in the services; forms parse input."""

from django import forms
from django.utils.translation import gettext_lazy as _

from counter.models import BusinessType

_WIDGETS = {
    "text": lambda: forms.Textarea(attrs={"rows": 3}),
    "date": lambda: forms.DateInput(attrs={"type": "date"}),
    "phone": lambda: forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
    "id_number": lambda: forms.TextInput(attrs={"autocomplete": "off", "maxlength": 18}),
    "reading": lambda: forms.TextInput(attrs={"inputmode": "decimal"}),
}


class StyledForm(forms.Form):
    """Bootstrap classes on the widgets, so that templates render fields with {{ field }}."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.style_widgets()

    def style_widgets(self) -> None:
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.RadioSelect | forms.CheckboxInput):
                css = "form-check-input"
            elif isinstance(widget, forms.Select):
                css = "form-select"
            else:
                css = "form-control"
            widget.attrs["class"] = css


class BusinessForm(StyledForm):
    """A business of one type: its own fields, its document checklist, and how it ends today."""

    missing_note = forms.CharField(
        label=_("Note on missing documents"), required=False, max_length=300, widget=forms.TextInput()
    )
    complete = forms.BooleanField(label=_("Completed on the spot"), required=False)
    outcome = forms.CharField(
        label=_("Outcome / answer given"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, business_type: BusinessType, **kwargs):
        super().__init__(*args, **kwargs)
        self.business_type = business_type
        type_fields = {}
        for spec in business_type.fields:
            widget = _WIDGETS.get(spec.get("type", "line"), forms.TextInput)()
            type_fields[f"f_{spec['name']}"] = forms.CharField(
                label=spec.get("label") or spec["name"], required=False, widget=widget, max_length=2000
            )
        documents = list(business_type.documents.all())
        self.document_choices = documents
        if documents:
            type_fields["documents"] = forms.MultipleChoiceField(
                label=_("Documents seen"),
                required=False,
                choices=[(str(d.pk), d.name) for d in documents],
                widget=forms.CheckboxSelectMultiple,
            )
        self.fields = {**type_fields, **self.fields}
        self.style_widgets()

    def business_data(self) -> dict:
        return {
            name[2:]: value for name, value in self.cleaned_data.items() if name.startswith("f_") and value
        }

    def documents_seen(self) -> list[int]:
        return [int(pk) for pk in self.cleaned_data.get("documents", [])]
