"""Typed catalogue of institution-level runtime settings and the coercion of raw input.

Values live in the database per institution; this module says what each key is, its type,
default and bounds, and turns user input into a typed value or a specific error message.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from postloan.platform.domain.i18n import _


class SettingError(ValueError):
    """Raised with a translatable message (msgid) and parameters."""

    def __init__(self, message: str, **params: Any) -> None:
        super().__init__(message)
        self.message = message
        self.params = params


@dataclass(frozen=True)
class SettingSpec:
    key: str
    type: str  # "int", "decimal", "bool", "str", "choice", "list"
    default: Any
    label: str
    group: str
    help: str = ""
    minimum: int | Decimal | None = None
    maximum: int | Decimal | None = None
    choices: Sequence[str] = field(default_factory=tuple)
    validate: Callable[[Any], None] | None = None  # raises SettingError for a value of the right type


def coerce(spec: SettingSpec, raw: Any) -> Any:
    """Return the typed value for `raw` (a string from a form, or a JSON value from the API)."""
    value = _coerce_type(spec, raw)
    if spec.validate is not None:
        spec.validate(value)
    return value


def _coerce_type(spec: SettingSpec, raw: Any) -> Any:
    if spec.type == "bool":
        if isinstance(raw, bool):
            return raw
        text = str(raw).strip().lower()
        if text in ("true", "1", "on", "yes"):
            return True
        if text in ("false", "0", "off", "no", ""):
            return False
        raise SettingError(_("Enter true or false."))
    if spec.type == "int":
        try:
            value: Any = int(str(raw).strip())
        except ValueError:
            raise SettingError(_("Enter a whole number.")) from None
        return _bounded(spec, value)
    if spec.type == "decimal":
        try:
            value = Decimal(str(raw).strip())
        except InvalidOperation:
            raise SettingError(_("Enter a number.")) from None
        if not value.is_finite():
            raise SettingError(_("Enter a number."))
        return str(_bounded(spec, value))
    if spec.type == "choice":
        text = str(raw).strip()
        if text not in spec.choices:
            raise SettingError(_("Choose one of: %(choices)s."), choices=", ".join(spec.choices))
        return text
    if spec.type == "list":
        # a form's free list comes one entry a line (or comma-separated); the API sends a JSON list
        items = raw if isinstance(raw, list) else str(raw).replace("\n", ",").split(",")
        values = [str(v).strip() for v in items if str(v).strip()]
        unknown = [v for v in values if spec.choices and v not in spec.choices]
        if unknown:
            raise SettingError(
                _("Unknown values: %(unknown)s. Allowed: %(choices)s."),
                unknown=", ".join(unknown),
                choices=", ".join(spec.choices),
            )
        return values
    text = str(raw)
    if spec.maximum is not None and len(text) > int(spec.maximum):
        raise SettingError(_("Enter at most %(maximum)s characters."), maximum=spec.maximum)
    return text


def _bounded(spec: SettingSpec, value: Any) -> Any:
    if spec.minimum is not None and value < spec.minimum:
        raise SettingError(_("Enter a value of at least %(minimum)s."), minimum=spec.minimum)
    if spec.maximum is not None and value > spec.maximum:
        raise SettingError(_("Enter a value of at most %(maximum)s."), maximum=spec.maximum)
    return value


def platform_specs(module_codes: Sequence[str]) -> list[SettingSpec]:
    """The platform's own settings. `module_codes` lists the modules that exist in this build."""
    return [
        SettingSpec(
            "modules.enabled",
            "list",
            list(module_codes),
            _("Enabled modules"),
            _("Modules"),
            help=_("Modules switched off disappear from menus and their URLs answer 404."),
            choices=tuple(module_codes),
        ),
        SettingSpec("institution.display_name", "str", "", _("Display name"), _("Institution"), maximum=100),
        SettingSpec(
            "mask.id_number.head",
            "int",
            3,
            _("ID number: digits shown at start"),
            _("Masking"),
            minimum=0,
            maximum=8,
        ),
        SettingSpec(
            "mask.id_number.tail",
            "int",
            4,
            _("ID number: digits shown at end"),
            _("Masking"),
            minimum=0,
            maximum=8,
        ),
        SettingSpec(
            "mask.phone.head", "int", 3, _("Phone: digits shown at start"), _("Masking"), minimum=0, maximum=5
        ),
        SettingSpec(
            "mask.phone.tail", "int", 4, _("Phone: digits shown at end"), _("Masking"), minimum=0, maximum=5
        ),
        SettingSpec(
            "mask.bank_card.head",
            "int",
            6,
            _("Bank card: digits shown at start"),
            _("Masking"),
            minimum=0,
            maximum=8,
        ),
        SettingSpec(
            "mask.bank_card.tail",
            "int",
            4,
            _("Bank card: digits shown at end"),
            _("Masking"),
            minimum=0,
            maximum=4,
        ),
        SettingSpec(
            "mask.address.head",
            "int",
            6,
            _("Address: characters shown at start"),
            _("Masking"),
            minimum=0,
            maximum=20,
        ),
        SettingSpec(
            "mask.address.tail",
            "int",
            0,
            _("Address: characters shown at end"),
            _("Masking"),
            minimum=0,
            maximum=20,
        ),
        SettingSpec(
            "security.api_token_days",
            "int",
            365,
            _("API token lifetime (days)"),
            _("Security"),
            minimum=1,
            maximum=3650,
        ),
    ]
