#!/usr/bin/env bash
# Re-extract translatable strings into the zh_Hans catalogue and compile it.
# Needs GNU gettext (apt-get install gettext). Untranslated entries fail tests/platform/test_i18n.py.
set -euo pipefail
cd "$(dirname "$0")/../src/postloan"
python -m django makemessages --settings=postloan.settings -l zh_Hans --no-location --no-wrap --no-fuzzy-matching
msgfmt --check -o locale/zh_Hans/LC_MESSAGES/django.mo locale/zh_Hans/LC_MESSAGES/django.po
msgattrib --untranslated locale/zh_Hans/LC_MESSAGES/django.po | grep '^msgid' | tail -n +2 || true
