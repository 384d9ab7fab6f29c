import unicodedata

import pytest

from core.text import normalize_for_search, to_ascii_digits, to_bangla_digits

YA_PRECOMPOSED = "\u09df"  # য়
YA_NUKTA = "\u09af\u09bc"  # য + ়
RRA_PRECOMPOSED = "\u09dc"  # ড়
RRA_NUKTA = "\u09a1\u09bc"  # ড + ়
RHA_PRECOMPOSED = "\u09dd"  # ঢ়
RHA_NUKTA = "\u09a2\u09bc"  # ঢ + ়
KHANDA_TA = "\u09ce"  # ৎ
TA_HASANTA_ZWJ = "\u09a4\u09cd\u200d"  # ত + ্ + ZWJ


def test_digits_round_trip():
    assert to_bangla_digits("31/12/2024") == "৩১/১২/২০২৪"
    assert to_ascii_digits("৩১/১২/২০২৪") == "31/12/2024"


def test_nfc_decomposes_the_nukta_letters_which_is_why_search_normalises():
    assert unicodedata.normalize("NFC", YA_PRECOMPOSED) == YA_NUKTA


@pytest.mark.parametrize(
    ("precomposed", "with_nukta", "word"),
    [
        (YA_PRECOMPOSED, YA_NUKTA, "উন্ন{}ন"),
        (RRA_PRECOMPOSED, RRA_NUKTA, "প{}াশোনা"),
        (RHA_PRECOMPOSED, RHA_NUKTA, "দৃ{}করণ"),
    ],
)
def test_precomposed_and_nukta_spellings_normalise_alike(precomposed, with_nukta, word):
    assert normalize_for_search(word.format(precomposed)) == normalize_for_search(
        word.format(with_nukta)
    )


def test_khanda_ta_and_ta_hasanta_zwj_normalise_alike():
    assert normalize_for_search(f"বিদ্যু{KHANDA_TA}") == normalize_for_search(f"বিদ্যু{TA_HASANTA_ZWJ}")
    assert normalize_for_search(f"উ{TA_HASANTA_ZWJ}সাহ") == f"উ{KHANDA_TA}সাহ"


def test_a_real_conjunct_with_hasanta_is_kept():
    # ত্ত (ত + ্ + ত) is a conjunct, not khanda ta: only the ZWJ sequence is khanda ta.
    assert normalize_for_search("উত্তর") == "উত্তর"


def test_bangla_and_ascii_digits_normalise_alike():
    assert normalize_for_search("ফরম ২৫") == normalize_for_search("ফরম 25") == "ফরম 25"


def test_long_and_short_vowel_signs_normalise_alike():
    assert normalize_for_search("সরকারী") == normalize_for_search("সরকারি")
    assert normalize_for_search("ভূমি") == normalize_for_search("ভুমি")


def test_case_punctuation_and_spacing_are_ignored():
    assert normalize_for_search("  Web   PORTAL/ e-Nothi, ") == "web portal enothi"
    assert normalize_for_search("ই-মেইল/ সরাসরি।") == "ইমেইল সরাসরি"


def test_zero_width_non_joiner_is_ignored():
    assert normalize_for_search("র\u200c্যাব") == normalize_for_search("র্যাব")
