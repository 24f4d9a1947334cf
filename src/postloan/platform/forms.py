"""Forms for the platform screens; they validate input, services do the writing."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from postloan.platform.domain.identity import is_valid_id_number, is_valid_mobile
from postloan.platform.domain.scope import SCOPE_LABELS, Scope
from postloan.platform.models import OrgUnit, Role, User
from postloan.platform.permission_catalogue import all_permissions


class StyledForm(forms.Form):
    """Adds Tabler/Bootstrap classes to widgets so templates render fields plainly."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.style_fields()

    def style_fields(self) -> None:
        """Class every widget; forms that add fields after __init__ call it again."""
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxSelectMultiple):
                widget.attrs.setdefault("class", "form-selectgroup-input")
            elif isinstance(widget, forms.CheckboxInput):
                widget.attrs.setdefault("class", "form-check-input")
            elif isinstance(widget, forms.Select):
                widget.attrs.setdefault("class", "form-select")
            else:
                widget.attrs.setdefault("class", "form-control")

    def full_clean(self) -> None:
        super().full_clean()
        for name in self.errors:
            if name in self.fields:
                css = self.fields[name].widget.attrs.get("class", "")
                self.fields[name].widget.attrs["class"] = f"{css} is-invalid"


class LoginForm(StyledForm):
    username = forms.CharField(label=_("Username"), max_length=150)
    password = forms.CharField(label=_("Password"), widget=forms.PasswordInput, strip=False)


class OtpForm(StyledForm):
    token = forms.RegexField(
        label=_("Authenticator code"),
        regex=r"^\d{6}$",
        error_messages={"invalid": _("Enter the 6-digit code from your authenticator app.")},
    )


def _scope_choices() -> list[tuple[str, Any]]:
    return [(s.value, _(SCOPE_LABELS[s])) for s in Scope]


class PersonalDataMixin(StyledForm):
    phone = forms.CharField(label=_("Mobile phone"), required=False, max_length=20)
    id_number = forms.CharField(label=_("ID number"), required=False, max_length=18)

    def clean_phone(self) -> str:
        value = re.sub(r"[\s-]", "", self.cleaned_data.get("phone", ""))
        if value and not is_valid_mobile(value):
            raise forms.ValidationError(_("Enter an 11-digit mainland mobile number starting with 1."))
        return value

    def clean_id_number(self) -> str:
        value = self.cleaned_data.get("id_number", "").strip().upper()
        if value and not is_valid_id_number(value):
            raise forms.ValidationError(_("This is not a valid 18-digit ID number (check digit mismatch)."))
        return value


class UserForm(PersonalDataMixin):
    username = forms.RegexField(
        label=_("Username"),
        regex=r"^[\w.@+-]{3,150}$",
        max_length=150,
        error_messages={"invalid": _("3-150 letters, digits and @/./+/-/_ only.")},
    )
    first_name = forms.CharField(label=_("Given name"), required=False, max_length=150)
    last_name = forms.CharField(label=_("Family name"), required=False, max_length=150)
    email = forms.EmailField(label=_("Email"), required=False)
    org_unit = forms.ModelChoiceField(
        label=_("Organisation unit"), queryset=OrgUnit.objects.none(), required=False
    )
    data_scope = forms.ChoiceField(label=_("Data scope"), choices=_scope_choices)
    roles = forms.ModelMultipleChoiceField(
        label=_("Roles"), queryset=Role.objects.all(), required=False, widget=forms.CheckboxSelectMultiple
    )
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)
    password = forms.CharField(
        label=_("Initial password"), widget=forms.PasswordInput, required=False, strip=False
    )

    def __init__(self, *args: Any, institution: Any, editing: User | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["org_unit"].queryset = OrgUnit.objects.filter(institution=institution)
        self.editing = editing
        if editing is not None:
            self.fields["username"].disabled = True
            del self.fields["password"]
            for name in ("phone", "id_number"):
                self.fields[name].widget.attrs["placeholder"] = _("Leave blank to keep the stored value")
        else:
            self.fields["password"].required = True
            del self.fields["is_active"]


class RoleForm(StyledForm):
    code = forms.RegexField(
        label=_("Code"),
        regex=r"^[a-z][a-z0-9_]{1,39}$",
        error_messages={"invalid": _("Lower-case letters, digits and _; start with a letter.")},
    )
    name = forms.CharField(label=_("Name"), max_length=100)
    description = forms.CharField(label=_("Description"), max_length=300, required=False)
    permissions = forms.MultipleChoiceField(
        label=_("Permissions"), required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args: Any, editing: Role | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["permissions"].choices = [
            (p.code, f"{_(p.group)} · {_(p.label)}") for p in all_permissions()
        ]
        if editing is not None:
            self.fields["code"].disabled = True


class OrgUnitForm(StyledForm):
    parent = forms.ModelChoiceField(label=_("Parent unit"), queryset=OrgUnit.objects.none())
    code = forms.RegexField(
        label=_("Code"),
        regex=r"^[A-Za-z0-9_-]{1,32}$",
        error_messages={"invalid": _("Letters, digits, - and _ only (max 32).")},
    )
    name = forms.CharField(label=_("Name"), max_length=200)
    kind = forms.ChoiceField(label=_("Kind"), choices=OrgUnit.Kind.choices)

    def __init__(self, *args: Any, institution: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["parent"].queryset = OrgUnit.objects.filter(institution=institution)


class BusinessDateForm(StyledForm):
    business_date = forms.DateField(
        label=_("New business date"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    reason = forms.CharField(label=_("Reason"), max_length=300)


class TokenForm(StyledForm):
    name = forms.CharField(label=_("Name"), max_length=100)
    scopes = forms.MultipleChoiceField(
        label=_("Scopes"),
        choices=[("read", _("Read")), ("write", _("Write"))],
        widget=forms.CheckboxSelectMultiple,
        initial=["read"],
    )


class PasswordChangeForm(StyledForm):
    current = forms.CharField(label=_("Current password"), widget=forms.PasswordInput, strip=False)
    password = forms.CharField(label=_("New password"), widget=forms.PasswordInput, strip=False)
    confirm = forms.CharField(label=_("Repeat new password"), widget=forms.PasswordInput, strip=False)

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_current(self) -> str:
        value = self.cleaned_data.get("current", "")
        if self.user is not None and not self.user.check_password(value):
            raise forms.ValidationError(_("Your current password is not correct."))
        return value

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("password") and data.get("password") != data.get("confirm"):
            self.add_error("confirm", _("The two passwords differ."))
        return data


class AuditSearchForm(StyledForm):
    actor_username = forms.CharField(label=_("User"), required=False)
    object_type = forms.CharField(label=_("Object type"), required=False)
    object_id = forms.CharField(label=_("Object id"), required=False)
    action = forms.CharField(label=_("Action"), required=False)
    request_id = forms.CharField(label=_("Request id"), required=False)
    date_from = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    date_to = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
