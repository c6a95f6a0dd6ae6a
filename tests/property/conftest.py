"""Hypothesis settings for the property tests: a short reproducible run in `make test`, a long random one on demand.

`HYPOTHESIS_PROFILE=thorough pytest tests/property` runs each property on thousands of random inputs instead of the
CI profile's few dozen fixed ones (derandomized: the same inputs on every run, so CI never fails by luck).
"""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci",
    derandomize=True,
    deadline=None,
    max_examples=40,
    print_blob=True,
    # The handler tests share one dispatcher per module (a function-scoped fixture would rebuild it per example).
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
settings.register_profile(
    "thorough",
    deadline=None,
    max_examples=2000,
    print_blob=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # A thorough run of one property takes minutes: the suite's 300 s per test (pyproject.toml) would cut it short.
    if settings.get_current_profile_name() == "thorough":
        for item in items:
            if item.path.parent.name == "property":
                item.add_marker(pytest.mark.timeout(3600))
