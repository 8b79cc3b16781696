"""Fixtures of the accounts tests: keys for sites."""
from __future__ import annotations

import pytest

from service.accounts import sites
from service.store.db import session_scope


@pytest.fixture
def new_key(clean_db):
    """``new_key(site_url) -> api_keys.id``: a key for ``site_url`` (the site made if new; committed)."""

    def make(site_url: str) -> int:
        with session_scope(clean_db) as s:
            return sites.create_key(s, site_url).key_id

    return make
