"""Marker for translatable text in pure domain code: the string is extracted by makemessages and
translated where it is shown (views call gettext on it)."""


def _(text: str) -> str:
    return text
