"""Phone numbers as French people type them ("06 12 34 56 78", "06.12.34.56.78", "+33 (0)6 12 34 56 78",
"0033 6 12 34 56 78", overseas "0690 12 34 56", a foreign "+32 470 12 34 56"), checked and written one way with the
`phonenumbers` library (Google's libphonenumber data): "06 12 34 56 78" for a French number, "+32 470 12 34 56"
for a foreign one. Used by the forms of the démarches (a field's validator and filter)."""

from __future__ import annotations

import phonenumbers

# Metropolitan France first, then the overseas departments whose numbers are dialled nationally with a 0.
REGIONS = ("FR", "GP", "MQ", "GF", "RE", "YT", "PM")
# ARCEP ranges reserved for fiction (films, books, demos): valid in form, never allocated to anyone.
FICTION_PREFIXES = ("0199", "026191", "035301", "046571", "053649", "063998")
MAX_TYPED = 40


def normalise_phone(raw: str) -> str | None:
    """The number written the one way (see above), "" for an empty input, None when it is not a phone number."""
    text = (raw or "").strip()
    if not text:
        return ""
    if len(text) > MAX_TYPED:
        return None
    digits = "".join(c for c in text if c.isdigit())
    if text.startswith("0") and len(digits) == 10 and digits.startswith(FICTION_PREFIXES):
        return " ".join(digits[i:i + 2] for i in range(0, 10, 2))
    for region in REGIONS:
        try:
            number = phonenumbers.parse(text, region)
        except phonenumbers.NumberParseException:
            return None
        if phonenumbers.is_valid_number(number):
            if phonenumbers.region_code_for_number(number) in REGIONS:
                return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
            return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
        if text.startswith(("+", "00")):
            break  # an international number: the region does not change its meaning
    return None
