"""Fixtures of the checking tests: a key and a usage counter on the test database."""
from __future__ import annotations

import pytest

from service.accounts import sites
from service.checking.usage import UsageCounter
from service.store.db import session_scope


@pytest.fixture
def key_id(clean_db) -> int:
    """A key for https://news.example (its ``api_keys.id``)."""
    with session_scope(clean_db) as s:
        return sites.create_key(s, "https://news.example").key_id


@pytest.fixture
def counter(clean_db) -> UsageCounter:
    """A usage counter on the test database."""
    return UsageCounter(clean_db)
