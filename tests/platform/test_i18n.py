"""简体中文 by default whatever the browser asks, English complete, and the compiled catalogue current."""

from pathlib import Path

import polib

import postloan

LOCALE = Path(postloan.__file__).parent / "locale" / "zh_Hans" / "LC_MESSAGES"


def test_every_string_translated_and_mo_current():
    po = polib.pofile(str(LOCALE / "django.po"))
    assert po.untranslated_entries() == []
    assert po.fuzzy_entries() == []
    mo = polib.mofile(str(LOCALE / "django.mo"))
    compiled = {(e.msgctxt, e.msgid): e.msgstr or e.msgstr_plural for e in mo}
    for entry in po.translated_entries():
        key = (entry.msgctxt, entry.msgid)
        assert compiled.get(key) == (entry.msgstr or entry.msgstr_plural), key


def test_chinese_default_even_for_english_browser(client, db):
    html = client.get("/login/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert "登录" in html and 'lang="zh-CN"' in html


def test_switch_to_english_is_remembered_for_the_user(client_as, user_of):
    client = client_as("collector")
    client.post("/preferences/language/", {"language": "en", "next": "/"})
    assert user_of("collector").language == "en"
    html = client.get("/").content.decode()
    assert 'lang="en"' in html and "Business date" in html and "营业日期" not in html


def test_unsupported_language_refused(client_as, user_of):
    client_as("collector").post("/preferences/language/", {"language": "fr"})
    assert user_of("collector").language == "zh-hans"
