"""service.pages.models: the thresholds shown are the ones that decide (every operating point)."""
from __future__ import annotations

from models.thresholds import operating_points


def test_models_page_shows_every_served_operating_point(app, client, make_user, sign_in):
    make_user("admin@saring.test", "admin")
    sign_in(client, "admin@saring.test")
    page = client.get("/moderation/models/").get_data(as_text=True)
    meta = app.extensions["saring"].holder.classifier.metadata
    points = operating_points(meta)
    assert len(points) >= 2  # pooled + at least one language
    for name, (hold, reject) in points.items():
        label = "other languages" if name == "pooled" else name
        assert f"{label}: hold {hold:.3f} · reject {reject:.3f}" in page
