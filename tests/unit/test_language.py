"""Which language the shop speaks: Telegram's language_code mapped onto the shop's, or the buyer's own choice."""

from __future__ import annotations

import pytest

from bot.domain.buyer import Buyer, Role
from bot.domain.language import canonical_language, menu_language, pick_language
from bot.services.buyers import BuyerService, UnsupportedLanguage
from tests.unit.fakes import FakeShop

SUPPORTED = ["en", "de", "fr", "es", "it", "pt", "ru", "zh"]


@pytest.mark.parametrize(
    ("requested", "picked"),
    [
        ("de", "de"),
        ("DE", "de"),
        (" fr ", "fr"),
        ("pt-br", "pt"),
        ("pt_BR", "pt"),
        ("zh-hans", "zh"),
        ("zh-Hant-TW", "zh"),
        ("en-GB", "en"),
    ],
)
def test_telegram_language_codes_map_onto_a_supported_language(requested: str, picked: str) -> None:
    assert pick_language(requested, SUPPORTED, "en") == picked


@pytest.mark.parametrize("requested", [None, "", "ja", "uk", "x-klingon", "-"])  # ja: not in this shop
def test_unsupported_or_missing_language_falls_back_to_the_shop_default(requested: str | None) -> None:
    assert pick_language(requested, SUPPORTED, "de") == "de"


@pytest.mark.parametrize("requested", ["pt-BR", "pt-br", "pt_BR", "PT_br"])
def test_exact_regional_language_wins_over_its_base(requested: str) -> None:
    assert pick_language(requested, ["pt", "pt_BR"], "en") == "pt_BR"


@pytest.mark.parametrize("requested", ["pt", "pt-PT", "pt-AO"])
def test_other_portuguese_speakers_get_the_european_catalogue(requested: str) -> None:
    assert pick_language(requested, ["pt", "pt_BR"], "en") == "pt"


@pytest.mark.parametrize(
    ("code", "name"), [("pt-br", "pt_BR"), ("PT_BR", "pt_BR"), ("DE", "de"), ("ja", "ja"), ("ar", "ar")]
)
def test_settings_codes_take_the_name_of_their_catalogue_and_babel_locale(code: str, name: str) -> None:
    assert canonical_language(code) == name


def test_a_code_babel_does_not_know_is_refused() -> None:
    with pytest.raises(ValueError, match="x-klingon"):
        canonical_language("x-klingon")


def test_command_menu_of_a_regional_language_is_its_base_unless_the_base_has_its_own() -> None:
    assert [menu_language(code, ["en", "pt", "pt_BR", "ja"]) for code in ("pt", "pt_BR", "ja")] == ["pt", None, "ja"]
    assert menu_language("pt_BR", ["en", "pt_BR"]) == "pt"


def _service(shop: FakeShop, **kwargs: list[int]) -> BuyerService:
    return BuyerService(shop, SUPPORTED, "en", **kwargs)


async def test_first_contact_registers_the_buyer_in_their_apps_language() -> None:
    shop = FakeShop()
    buyer = await _service(shop).register(42, "ru-RU", "Анна")
    assert buyer == Buyer(telegram_id=42, language="ru", name="Анна", region="RU")  # region: for the currency
    assert shop.data.buyers[42] == buyer


async def test_registering_again_keeps_the_remembered_language() -> None:
    shop = FakeShop()
    service = _service(shop)
    await service.register(42, "ru", "Anna")
    await service.choose_language(42, "fr")
    assert (await service.register(42, "de", "Anna")).language == "fr"


async def test_chosen_language_wins_over_the_apps_language() -> None:
    shop = FakeShop()
    service = _service(shop)
    await service.choose_language(7, "it", "Marco")
    assert await service.language_of(7, "de") == "it"
    assert shop.data.buyers[7].name == "Marco"


async def test_unknown_person_is_spoken_to_in_their_apps_language_without_being_stored() -> None:
    shop = FakeShop()
    assert await _service(shop).language_of(9, "es-MX") == "es"
    assert shop.data.buyers == {}


async def test_choosing_an_unsupported_language_is_refused_and_changes_nothing() -> None:
    shop = FakeShop()
    service = _service(shop)
    await service.register(5, "de")
    with pytest.raises(UnsupportedLanguage):
        await service.choose_language(5, "ja")
    assert shop.data.buyers[5].language == "de"


def test_roles_come_from_the_configured_merchant_and_ops_ids() -> None:
    service = _service(FakeShop(), merchant_ids=[1], ops_ids=[1, 2])
    assert service.roles_of(1) == {Role.BUYER, Role.MERCHANT, Role.OPS}
    assert service.roles_of(2) == {Role.BUYER, Role.OPS}
    assert service.role_of(3) is Role.BUYER
