#!/usr/bin/env bash
# Re-extract translatable strings into the zh_Hans catalogue and compile it.
# Needs GNU gettext (apt-get install gettext). Untranslated entries fail tests/platform/test_i18n.py.
set -euo pipefail
cd "$(dirname "$0")/../src/postloan"
# The console script, not `python -m`: with this folder on sys.path, our `platform` package would
# shadow the standard library module of that name.
postloan manage makemessages -l zh_Hans --no-location --no-wrap --no-obsolete
# msgmerge guesses "fuzzy" translations from similar strings; a guess is not a translation.
python - <<'PY'
import polib
po = polib.pofile("locale/zh_Hans/LC_MESSAGES/django.po")
for entry in po.fuzzy_entries():
    entry.flags.remove("fuzzy")
    entry.previous_msgid = None
    entry.msgstr = ""
    entry.msgstr_plural = {k: "" for k in entry.msgstr_plural}
po.save()
PY
msgfmt --check -o locale/zh_Hans/LC_MESSAGES/django.mo locale/zh_Hans/LC_MESSAGES/django.po
msgattrib --untranslated locale/zh_Hans/LC_MESSAGES/django.po | grep '^msgid' | tail -n +2 || true
