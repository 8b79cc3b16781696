"""Fixtures for the retraining tests: a moderator-labelled spam campaign in the database."""

from __future__ import annotations

import pytest


# --------------------------------------------------------------------------- retraining (issue 5)
#: A spam campaign the shipped model lets through (plain self-promotion, no links).
CAMPAIGN_SERVICES = ["does the best garden work", "trims hedges cheaply", "cleans gutters fast", "mows lawns weekly",
                     "plants roses and tulips", "removes tree stumps"]
CAMPAIGN_TOWNS = ["Springfield", "Riverside", "Fairview", "Greenville", "Madison", "Georgetown", "Salem"]
CAMPAIGN_CALLS = ["ask for Dave", "call Dave today", "Dave gives a free quote"]
HAM_TEXTS = [
    "I read this on the train this morning and shared it with my sister",
    "The referee was terrible in the second half, we deserved a penalty",
    "nice recipe, I will try it with less sugar next time",
    "My grandmother used to make this exact soup every winter, lovely memories",
    "Does anyone know when the library reopens after the renovation?",
    "Thanks for the clear explanation, the diagram helped a lot",
    "I disagree with the second point, the data from last year shows otherwise",
    "We visited the museum last weekend and the new wing is wonderful",
    "Terima kasih infonya, sangat bermanfaat untuk warga desa kami",
    "The photos of the old harbour bring back so many memories",
    "Could you write a follow-up about the budget vote next month?",
    "My kids loved the science fair, great job by the volunteers",
]


@pytest.fixture
def feedback_campaign(clean_db):
    """``feedback_campaign(n_spam=42, n_ham=42, site="https://news.example") -> site id``: stores
    comments labelled by moderators one hour apart over the last days, alternating spam (the lawn
    care campaign above) and ham, the newest label last. Written on the test database's own
    engine (the app's near-duplicate memory does not see them)."""
    import datetime as dt
    import itertools

    from service.accounts import sites
    from service.store.db import session_scope
    from service.store.tables import Comment, Label

    def make(n_spam: int = 42, n_ham: int = 42, site: str = "https://news.example") -> int:
        spam_texts = [f"Harmony Lawn Care {s} in {t}, {c}" for s, t, c in
                      itertools.product(CAMPAIGN_SERVICES, CAMPAIGN_TOWNS, CAMPAIGN_CALLS)]
        ham_texts = [f"{h} ({i})" if i >= len(HAM_TEXTS) else h for i, h in
                     enumerate(itertools.islice(itertools.cycle(HAM_TEXTS), n_ham))]
        start = dt.datetime.now(dt.timezone.utc) - dt.timedelta(hours=n_spam + n_ham + 1)
        rows = []
        for i in range(max(n_spam, n_ham)):
            if i < n_spam:
                rows.append((spam_texts[i * 3 % len(spam_texts)], "spam"))
            if i < n_ham:
                rows.append((ham_texts[i], "ham"))
        with session_scope(clean_db) as s:
            site_row = sites.get_or_create_site(s, site)
            s.flush()
            for k, (text, label) in enumerate(rows):
                at = start + dt.timedelta(hours=k)
                c = Comment(site_id=site_row.id, content=text, author="reader", spam_score=0.05, decision="accept",
                            status=label, model_version="test", reasons=[], created_at=at)
                s.add(c)
                s.flush()
                s.add(Label(comment_id=c.id, label=label, source="moderator", reporter="mod@news.example",
                            created_at=at, updated_at=at))
            return site_row.id

    return make
