"""Site settings page: the allow / block list and policy forms (routes on the ``moderation`` blueprint).

* ``POST /moderation/sites/<id>/lists``: add an entry (``kind``, ``value``, ``action``, ``note``);
* ``POST /moderation/sites/<id>/lists/<entry_id>/remove``: remove one;
* ``POST /moderation/sites/<id>/learning``: shadow mode (checkbox ``shadow_mode``) and languages
  (``languages``, comma separated; empty turns the language policy off).

Admins only (``site_settings.site_to_change``); each change is audited by ``service.learning``.
"""
from __future__ import annotations

import re

from flask import flash, redirect, request, url_for
from flask.typing import ResponseReturnValue

from service.errors import ValidationFailed
from service.learning import lists, settings
from service.pages.moderation.site_settings import FORM_FIELDS, form_values, render_site, site_to_change, who
from service.pages.moderation.views import bp
from service.web.context import db_session


@bp.route("/sites/<dbint:site_id>/lists", methods=["POST"])
def add_list_entry(site_id: int) -> ResponseReturnValue:
    """Add an allow / block list entry (the same kind and value again changes its action and note)."""
    site = site_to_change(site_id)
    form = form_values(FORM_FIELDS["entry"])
    s = db_session()
    by = who()
    try:
        row = lists.add_entry(s, site.id, form["kind"], form["value"], form["action"], form["note"],
                              created_by=by["actor"], actor_id=by["actor_id"])
    except ValidationFailed as exc:
        s.rollback()
        return render_site(site, 400, exc, "entry", form)
    s.commit()
    which = "allow list" if row.action == "accept" else "block list"
    flash(f'Saved {which} entry {row.id}: {lists.KIND_NAMES[row.kind]} "{row.value}" → {row.action}.', "info")
    return redirect(url_for("moderation.site_page", site_id=site.id))


@bp.route("/sites/<dbint:site_id>/lists/<dbint:entry_id>/remove", methods=["POST"])
def remove_list_entry(site_id: int, entry_id: int) -> ResponseReturnValue:
    """Remove one list entry (``NotFound`` for an entry of another site or one already removed)."""
    site = site_to_change(site_id)
    s = db_session()
    row = lists.remove_entry(s, site.id, entry_id, **who())
    s.commit()
    flash(f'Removed entry {entry_id}: {lists.KIND_NAMES.get(row.kind, row.kind)} "{row.value}".', "info")
    return redirect(url_for("moderation.site_page", site_id=site.id))


def language_codes(text: str) -> list[str]:
    """``"id, en"`` (commas and/or spaces) → ``["id", "en"]``; checked by ``settings.configure_site``."""
    return [code for code in re.split(r"[,\s]+", text) if code]


@bp.route("/sites/<dbint:site_id>/learning", methods=["POST"])
def change_learning(site_id: int) -> ResponseReturnValue:
    """Set shadow mode (checkbox) and the expected languages (comma separated; empty: no policy)."""
    site = site_to_change(site_id)
    shadow = request.form.get("shadow_mode", "") in ("on", "1", "true")
    text = request.form.get("languages", "")
    s = db_session()
    try:
        settings.configure_site(site, shadow_mode=shadow, languages=language_codes(text), session=s, **who())
    except ValidationFailed as exc:
        s.rollback()
        return render_site(site, 400, exc, "learning", {"shadow_mode": shadow, "languages": text})
    s.commit()
    languages = ", ".join(site.languages or []) or "none (no language policy)"
    flash(f"Saved: shadow mode {'on' if site.shadow_mode else 'off'}; expected languages {languages}.", "info")
    return redirect(url_for("moderation.site_page", site_id=site.id))
