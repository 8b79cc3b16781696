"""The site settings page of the moderators' web page (routes on the ``moderation`` blueprint).

``GET /moderation/sites/<id>`` shows, per section (``moderation/site/*.html``):

* thresholds per language: the model's validated pair beside the site's override and what is in
  force with its source (``service.accounts.sites.thresholds_table``);
* shadow mode, expected languages and the site-learning settings in force (``service.learning.settings``);
* the allow / block list entries (``service.learning.lists``);
* the callback URL and whether a signing secret is set (``service.webhooks.outbox``);
* the site's API keys (hint, label, created, revoked) and the users who moderate it;
* the audit log of every change (``service.store.site_audit``), newest first, 50 a page
  (``?before=<event id>`` for older ones).

The forms that change them post to the routes of ``site_policy_forms`` (lists, shadow mode,
languages), ``site_threshold_forms`` (thresholds) and ``site_access_forms`` (callback, secret,
keys, moderators). Moderators of the site (and admins) may look; a site the moderator does not
moderate is not found (404, as an unknown id, so that ids of other sites are not revealed). Only
admins may change anything (403); each form carries the page's CSRF token. A change redirects
back here with a notice, except a new key or secret: that answer shows it, once, and it is never
shown again. An invalid value answers 400 with the message next to its form and stores nothing.
"""
from __future__ import annotations

from typing import Any, Mapping

import secrets

from flask import render_template, request, session
from flask.typing import ResponseReturnValue

from service.accounts import key_sites
from service.accounts import sites as site_accounts
from service.accounts import users
from service.errors import Forbidden, NotFound, ValidationFailed
from service.learning import lists, settings
from service.pages.moderation.views import bp
from service.serving import versions
from service.store import site_audit
from service.store.tables import Site
from service.validation import parse_int
from service.web.auth import current_actor, require_csrf
from service.web.context import db_session, runtime

#: Form fields of each form on the page (an error naming one is shown next to it).
FORM_FIELDS: dict[str, tuple[str, ...]] = {
    "entry": ("kind", "value", "action", "note"),
    "learning": ("shadow_mode", "languages"),
    "thresholds": ("lang", "hold", "reject"),
    "callback": ("url",),
    "key": ("label",),
    "moderator": ("email",),
}
#: An error of these domain fields marks these form fields.
FIELD_ALIASES = {"thresholds": ("hold", "reject")}
ACTION_LABELS = {"accept": "accept (allow list)", "hold": "hold for review", "reject": "reject (block list)"}
#: What each source of ``models.thresholds.operating_point`` means, as the page says it.
SOURCE_LABELS = {"site_lang": "site, this language", "site": "site, every language",
                 "model_lang": "model, this language", "model": "model, pooled", "fallback": "built-in fallback"}


def visible_site(site_id: int) -> Site:
    """Site ``site_id`` if the signed-in user moderates it (admins: every site), else ``NotFound``."""
    site = db_session().get(Site, site_id)
    if site is None or not current_actor().can_moderate(site.id):
        raise NotFound(f"no site {site_id} among the sites you moderate", field="site")
    return site


def site_to_change(site_id: int) -> Site:
    """For a change: the CSRF check, the site (as ``visible_site``) and ``Forbidden`` for a moderator."""
    require_csrf()
    site = visible_site(site_id)
    if current_actor().role != "admin":
        raise Forbidden("only admins may change a site's lists and settings", field="site")
    return site


#: Form tokens a session has sent, kept in its (signed) cookie: the most recent ones only.
ONCE_KEPT = 20


def new_once_token() -> str:
    """A fresh token for a form whose answer must not repeat (a new key or secret)."""
    return secrets.token_urlsafe(12)


def first_send() -> bool:
    """False when this form's ``once`` token was already sent in this session — a reload of the
    answer that showed a new key or secret — so that it is not made again; True (and the token
    remembered) otherwise, also for a form without a token (a script)."""
    token = request.form.get("once", "")
    if not token:
        return True
    used = list(session.get("used_once", []))
    if token in used:
        return False
    session["used_once"] = (used + [token])[-ONCE_KEPT:]
    return True


def who() -> dict[str, Any]:
    """``actor`` / ``actor_id`` keywords of the domain functions: the signed-in admin."""
    actor = current_actor()
    return {"actor": actor.name, "actor_id": actor.user_id}


def form_values(names: tuple[str, ...]) -> dict[str, str]:
    """The posted text of ``names`` ("" for a missing one)."""
    return {name: request.form.get(name, "") for name in names}


def _default_values(site: Site, config: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        "entry": {"kind": "word", "value": "", "action": "reject", "note": ""},
        "learning": {"shadow_mode": config["shadow_mode"], "languages": ", ".join(config["languages"])},
        "thresholds": {"lang": "", "hold": "", "reject": ""},
        "callback": {"url": site.callback_url or ""},
        "key": {"label": ""},
        "moderator": {"email": ""},
    }


def _events_before() -> int | None:
    text = request.args.get("before", "")
    if not text:
        return None
    try:
        return parse_int(text, "before")
    except ValidationFailed:
        return None  # a mangled link shows the newest events


def render_site(site: Site, status: int = 200, error: ValidationFailed | None = None, error_form: str = "",
                values: Mapping[str, Any] | None = None, shown_once: Mapping[str, Any] | None = None,
                notice: str = "") -> ResponseReturnValue:
    """The page for ``site``. ``error`` / ``error_form``: a refused change, shown next to that form
    with ``values`` (what was typed) kept in it; ``shown_once``: a new key or secret
    (``{"what", "value", ...}``) shown in this answer only; ``notice``: what was just done."""
    s = db_session()
    config = settings.describe_site(site)
    entries = lists.entries_of(s, site.id)
    version, metadata = versions.current_metadata(runtime().db)
    all_values = _default_values(site, config)
    if error_form and values is not None:
        all_values[error_form] = {**all_values.get(error_form, {}), **values}
    field = error.field if error is not None else None
    form_fields = FORM_FIELDS.get(error_form, ())
    error_fields = {f for f in (*FIELD_ALIASES.get(field or "", ()), field) if f in form_fields}
    before = _events_before()
    return render_template(
        "moderation/site.html", site=site, config=config, defaults=settings.DEFAULTS, entries=entries,
        is_admin=current_actor().role == "admin", kinds=[(k, lists.KIND_NAMES[k]) for k in lists.KINDS],
        kind_names=lists.KIND_NAMES, action_labels=ACTION_LABELS,
        allow_count=sum(1 for e in entries if e.action == "accept"),
        model_version=version, threshold_rows=site_accounts.thresholds_table(site, metadata),
        site_pair=site.hold_threshold is not None or site.reject_threshold is not None,
        lang_overrides=set(site.thresholds_by_lang or {}), source_labels=SOURCE_LABELS,
        keys=site_accounts.keys_of(s, site.id), key_length=site_accounts.KEY_LENGTH, once_token=new_once_token,
        covering=key_sites.covering_keys(s, site.id),
        moderators=users.moderators_of(s, site), admins=users.admins(s),
        events=site_audit.events_of(s, site.id, before), events_before=before, describe_event=site_audit.describe,
        error=error, error_form=error_form, error_fields=error_fields, values=all_values,
        shown_once=shown_once, notice=notice), status


@bp.route("/sites/<dbint:site_id>")
def site_page(site_id: int) -> ResponseReturnValue:
    """A site's thresholds, policy, lists, callback, keys, moderators and audit log (admins: with the forms)."""
    return render_site(visible_site(site_id))


# the forms' routes (each module registers its own on ``bp``)
from service.pages.moderation import site_access_forms, site_policy_forms, site_threshold_forms  # noqa: E402,F401
