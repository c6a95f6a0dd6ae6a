"""The environment variables the program reads, derived from the settings model, so tests keep the developer's shell
out: a setting added to bot/config.py is cleared for tests without anyone listing it again."""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache

from pydantic import AliasChoices, AliasPath
from pydantic_settings import BaseSettings

from bot.config import Settings


def _names(alias: str | AliasPath | AliasChoices) -> set[str]:
    if isinstance(alias, str):
        return {alias}
    if isinstance(alias, AliasPath):
        return {str(alias.path[0])}
    return set().union(*(_names(choice) for choice in alias.choices))


@cache
def setting_variables(model: type[BaseSettings] = Settings) -> frozenset[str]:
    """Every variable name a setting is read from: env_prefix + field name, and each alias (which the prefix skips)."""
    prefix = model.model_config.get("env_prefix") or ""
    names: set[str] = set()
    for field_name, field in model.model_fields.items():
        names.add(prefix + field_name)  # also read by name when aliases are allowed; clearing it too costs nothing
        for alias in (field.alias, field.validation_alias):
            if alias is not None:
                names |= _names(alias)
    return frozenset(names)


def is_setting(variable: str, model: type[BaseSettings] = Settings) -> bool:
    """Whether the program reads `variable` (pydantic-settings ignores case unless told not to)."""
    config = model.model_config
    names = setting_variables(model)
    if not config.get("case_sensitive"):
        variable, names = variable.lower(), _lowered(names)
    delimiter = config.get("env_nested_delimiter")
    return variable in names or bool(delimiter and variable.split(delimiter, 1)[0] in names)


@cache
def _lowered(names: frozenset[str]) -> frozenset[str]:
    return frozenset(name.lower() for name in names)


def without_settings(environ: Mapping[str, str]) -> dict[str, str]:
    """`environ` less every variable the program would read as a setting (for a subprocess's environment)."""
    return {name: value for name, value in environ.items() if not is_setting(name)}
