"""The site settings page of the moderators' web page (routes on the ``moderation`` blueprint).

* ``GET /moderation/sites/<id>``: a site's shadow mode, expected languages, the site-learning
  settings in force (site overrides marked) and its allow / block list entries
  (``service.learning.settings`` / ``service.learning.lists``);
* ``POST /moderation/sites/<id>/lists``: add an entry (``kind``, ``value``, ``action``, ``note``);
* ``POST /moderation/sites/<id>/lists/<entry_id>/remove``: remove one;
* ``POST /moderation/sites/<id>/learning``: shadow mode (checkbox ``shadow_mode``) and languages
  (``languages``, comma separated; empty turns the language policy off).

Moderators of the site (and admins) may look; a site the moderator does not moderate is not found
(404, as an unknown id, so that ids of other sites are not revealed). Only admins may change
anything (403); each form carries the page's CSRF token. A change redirects back here with a
notice; an invalid value answers 400 with the message next to its form and stores nothing.
"""
from __future__ import annotations

import re
from typing import Any, Mapping

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from service.errors import Forbidden, NotFound, ValidationFailed
from service.learning import lists, settings
from service.pages.moderation.views import bp
from service.store.tables import Site
from service.web.auth import current_actor, require_csrf
from service.web.context import db_session

#: Form fields of each form on the page (an error naming one is shown next to it).
ENTRY_FIELDS = ("kind", "value", "action", "note")
LEARNING_FIELDS = ("shadow_mode", "languages")
ACTION_LABELS = {"accept": "accept (allow list)", "hold": "hold for review", "reject": "reject (block list)"}


def _visible_site(site_id: int) -> Site:
    """Site ``site_id`` if the signed-in user moderates it (admins: every site), else ``NotFound``."""
    site = db_session().get(Site, site_id)
    if site is None or not current_actor().can_moderate(site.id):
        raise NotFound(f"no site {site_id} among the sites you moderate", field="site")
    return site


def _site_to_change(site_id: int) -> Site:
    """For a change: the CSRF check, the site (as ``_visible_site``) and ``Forbidden`` for a moderator."""
    require_csrf()
    site = _visible_site(site_id)
    if current_actor().role != "admin":
        raise Forbidden("only admins may change a site's lists and settings", field="site")
    return site


def _render(site: Site, status: int = 200, error: ValidationFailed | None = None, error_form: str = "",
            entry_values: Mapping[str, str] | None = None, learning_values: Mapping[str, Any] | None = None
            ) -> ResponseReturnValue:
    config = settings.describe_site(site)
    entries = lists.entries_of(db_session(), site.id)
    if learning_values is None:
        learning_values = {"shadow_mode": config["shadow_mode"], "languages": ", ".join(config["languages"])}
    field = error.field if error is not None else None
    fields = ENTRY_FIELDS if error_form == "entry" else LEARNING_FIELDS
    return render_template(
        "moderation/site.html", site=site, config=config, defaults=settings.DEFAULTS, entries=entries,
        is_admin=current_actor().role == "admin", kinds=[(k, lists.KIND_NAMES[k]) for k in lists.KINDS],
        kind_names=lists.KIND_NAMES, action_labels=ACTION_LABELS,
        allow_count=sum(1 for e in entries if e.action == "accept"),
        error=error, error_form=error_form, error_field=field if field in fields else None,
        entry_values=entry_values or {"kind": "word", "value": "", "action": "reject", "note": ""},
        learning_values=learning_values), status


@bp.route("/sites/<dbint:site_id>")
def site_page(site_id: int) -> ResponseReturnValue:
    """A site's shadow mode, languages, settings in force and list entries (admins: with the forms)."""
    return _render(_visible_site(site_id))


@bp.route("/sites/<dbint:site_id>/lists", methods=["POST"])
def add_list_entry(site_id: int) -> ResponseReturnValue:
    """Add an allow / block list entry (the same kind and value again changes its action and note)."""
    site = _site_to_change(site_id)
    form = {name: request.form.get(name, "") for name in ENTRY_FIELDS}
    s = db_session()
    try:
        row = lists.add_entry(s, site.id, form["kind"], form["value"], form["action"], form["note"],
                              created_by=current_actor().name)
    except ValidationFailed as exc:
        s.rollback()
        return _render(site, 400, exc, "entry", entry_values=form)
    s.commit()
    which = "allow list" if row.action == "accept" else "block list"
    flash(f'Saved {which} entry {row.id}: {lists.KIND_NAMES[row.kind]} "{row.value}" → {row.action}.', "info")
    return redirect(url_for("moderation.site_page", site_id=site.id))


@bp.route("/sites/<dbint:site_id>/lists/<dbint:entry_id>/remove", methods=["POST"])
def remove_list_entry(site_id: int, entry_id: int) -> ResponseReturnValue:
    """Remove one list entry (``NotFound`` for an entry of another site or one already removed)."""
    site = _site_to_change(site_id)
    s = db_session()
    row = lists.remove_entry(s, site.id, entry_id)
    s.commit()
    flash(f'Removed entry {entry_id}: {lists.KIND_NAMES.get(row.kind, row.kind)} "{row.value}".', "info")
    return redirect(url_for("moderation.site_page", site_id=site.id))


def _language_codes(text: str) -> list[str]:
    """``"id, en"`` (commas and/or spaces) → ``["id", "en"]``; checked by ``settings.configure_site``."""
    return [code for code in re.split(r"[,\s]+", text) if code]


@bp.route("/sites/<dbint:site_id>/learning", methods=["POST"])
def change_learning(site_id: int) -> ResponseReturnValue:
    """Set shadow mode (checkbox) and the expected languages (comma separated; empty: no policy)."""
    site = _site_to_change(site_id)
    shadow = request.form.get("shadow_mode", "") in ("on", "1", "true")
    text = request.form.get("languages", "")
    s = db_session()
    try:
        settings.configure_site(site, shadow_mode=shadow, languages=_language_codes(text))
    except ValidationFailed as exc:
        s.rollback()
        return _render(site, 400, exc, "learning", learning_values={"shadow_mode": shadow, "languages": text})
    s.commit()
    languages = ", ".join(site.languages or []) or "none (no language policy)"
    flash(f"Saved: shadow mode {'on' if site.shadow_mode else 'off'}; expected languages {languages}.", "info")
    return redirect(url_for("moderation.site_page", site_id=site.id))
