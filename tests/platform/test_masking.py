"""Masking and PII redaction rules (pure domain, no database)."""

from postloan.platform.domain.masking import DEFAULT_RULES, MaskRule, mask, normalize, redact_text


def test_default_masks_match_product_rules():
    assert mask("110105198501011234", DEFAULT_RULES["id_number"]) == "110***********1234"
    assert mask("13812341234", DEFAULT_RULES["phone"]) == "138****1234"
    assert mask("6222021234567890123", DEFAULT_RULES["bank_card"]) == "622202*********0123"


def test_short_values_are_fully_masked_never_leaked():
    assert mask("1234567", MaskRule(3, 4)) == "*******"
    assert mask("", MaskRule(3, 4)) == ""


def test_configurable_rule():
    assert mask("13812341234", MaskRule(0, 2)) == "*********34"


def test_redaction_removes_ids_cards_phones():
    text = "id 11010519850101123X card 6222021234567890123 phone +86 13812341234 amount 120000"
    assert redact_text(text) == "id [REDACTED] card [REDACTED] phone [REDACTED] amount 120000"


def test_normalize_for_lookup():
    assert normalize("phone", "+86 138-1234-1234") == "13812341234"
    assert normalize("id_number", "11010519850101123x") == "11010519850101123X"
