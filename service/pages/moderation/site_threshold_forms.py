"""Site settings page: the thresholds forms (routes on the ``moderation`` blueprint).

* ``POST /moderation/sites/<id>/thresholds``: ``hold`` and ``reject`` (numbers in [0, 1], hold ≤
  reject) for ``lang`` (an ISO 639 code) or, with ``lang`` empty, the site's pair for every
  language that has none of its own; an empty number keeps the current one
  (``service.accounts.sites.set_thresholds``);
* ``POST /moderation/sites/<id>/thresholds/reset``: ``lang`` back to the model's validated pair,
  or with ``lang`` empty every language (``clear_thresholds``).

Admins only (``site_settings.site_to_change``); each change is audited by ``service.accounts.sites``.
"""
from __future__ import annotations

import math

from flask import flash, redirect, request, url_for
from flask.typing import ResponseReturnValue

from service.accounts import sites as site_accounts
from service.errors import ValidationFailed
from service.pages.moderation.site_settings import FORM_FIELDS, form_values, render_site, site_to_change, who
from service.pages.moderation.views import bp
from service.web.context import db_session


def threshold_value(text: str, field: str) -> float | None:
    """A threshold typed in the form: ``""`` → ``None`` (keep the current one); ``0,5`` is read
    as ``0.5``. Raises ``ValidationFailed`` (``field``) for anything that is not a finite number;
    the range is checked by ``set_thresholds``."""
    text = text.strip().replace(",", ".")
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or len(text) > 32:
        raise ValidationFailed(f"{field} must be a number between 0 and 1, e.g. 0.85", field=field)
    return value


def _lang_text(code: str) -> str:
    return f"language {code}" if code else "every language"


@bp.route("/sites/<dbint:site_id>/thresholds", methods=["POST"])
def site_set_thresholds(site_id: int) -> ResponseReturnValue:
    """Set the hold / reject pair of one language, or the site's pair for every language."""
    site = site_to_change(site_id)
    form = form_values(FORM_FIELDS["thresholds"])
    lang = form["lang"].strip()
    s = db_session()
    try:
        hold = threshold_value(form["hold"], "hold")
        reject = threshold_value(form["reject"], "reject")
        if hold is None and reject is None:
            raise ValidationFailed("give the hold and the reject threshold (numbers between 0 and 1)",
                                   field="thresholds")
        code, hold, reject = site_accounts.set_thresholds(s, site, hold, reject, lang or None, **who())
    except ValidationFailed as exc:
        s.rollback()
        return render_site(site, 400, exc, "thresholds", form)
    s.commit()
    flash(f"Saved thresholds for {_lang_text(code)}: hold at {hold:g}, reject at {reject:g}.", "info")
    return redirect(url_for("moderation.site_page", site_id=site.id) + "#thresholds")


@bp.route("/sites/<dbint:site_id>/thresholds/reset", methods=["POST"])
def site_reset_thresholds(site_id: int) -> ResponseReturnValue:
    """Return one language (``lang``), or every language (``lang`` empty), to the model's pair."""
    site = site_to_change(site_id)
    lang = request.form.get("lang", "").strip()
    s = db_session()
    try:
        code = site_accounts.clear_thresholds(s, site, lang or None, **who())
    except ValidationFailed as exc:
        s.rollback()
        return render_site(site, 400, exc, "thresholds", {"lang": lang})
    s.commit()
    flash(f"Thresholds for {_lang_text(code)} are the model's validated ones again.", "info")
    return redirect(url_for("moderation.site_page", site_id=site.id) + "#thresholds")
