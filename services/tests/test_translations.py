"""The interface catalogues are complete and the compiled files match them."""

import gettext
from pathlib import Path

import polib
import pytest
from django.conf import settings

LOCALE = Path(settings.BASE_DIR) / "locale"
LANGUAGES = [code for code, _name in settings.LANGUAGES]


def _catalogue(language):
    return polib.pofile(str(LOCALE / language / "LC_MESSAGES" / "django.po"))


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_interface_string_is_translated(language):
    catalogue = _catalogue(language)
    untranslated = [entry.msgid for entry in catalogue.untranslated_entries()]
    fuzzy = [entry.msgid for entry in catalogue.fuzzy_entries()]
    assert untranslated == []
    assert fuzzy == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_compiled_catalogue_matches_the_source(language):
    with open(LOCALE / language / "LC_MESSAGES" / "django.mo", "rb") as compiled_file:
        compiled = gettext.GNUTranslations(compiled_file)
    for entry in _catalogue(language).translated_entries():
        if entry.msgid_plural:
            assert compiled.ngettext(entry.msgid, entry.msgid_plural, 1) == entry.msgstr_plural[0]
        elif entry.msgctxt:
            assert compiled.pgettext(entry.msgctxt, entry.msgid) == entry.msgstr
        else:
            assert compiled.gettext(entry.msgid) == entry.msgstr, entry.msgid


def test_bangla_pages_use_the_bangla_catalogue(client, charter):
    page = client.get("/bn/services/").content.decode()
    assert "প্রতিশ্রুত সেবাসমূহ" in page
    assert "ক্রমিক নং" in page
    assert "Services we promise" not in page
