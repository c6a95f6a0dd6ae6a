"""Phone numbers for the courier: parsed for the destination country (Google's libphonenumber data, through the
`phonenumbers` package) and kept in E.164 ("+493012345678")."""

from __future__ import annotations

import phonenumbers


class InvalidPhone(ValueError):
    """Not a phone number that can be dialled in the given country (or internationally, with a + prefix)."""


def phone_in_e164(typed: str, country: str) -> str:
    """`typed` as an E.164 number: a national number ("030 1234567") is read as `country`'s, an international one
    ("+49 30 1234567", "0049 …" when `country` dials 00) as it says. Raises InvalidPhone."""
    text = typed.strip()
    if not text or len(text) > 40:
        raise InvalidPhone(typed)
    try:
        number = phonenumbers.parse(text, country.strip().upper() or None)
    except phonenumbers.NumberParseException:
        raise InvalidPhone(typed) from None
    if not phonenumbers.is_valid_number(number):
        raise InvalidPhone(typed)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def is_international(typed: str) -> bool:
    """Whether the number names its own country (+49 …), so a change of destination does not change its meaning."""
    return typed.strip().startswith("+")


def example_phone(country: str) -> str | None:
    """An example number of `country` as it is written there internationally ("+49 30 123456"), or None."""
    number = phonenumbers.example_number(country.strip().upper())
    if number is None:
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def readable_phone(e164: str) -> str:
    """An E.164 number grouped for people ("+49 30 1234567"); as given when it does not parse."""
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return e164
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
