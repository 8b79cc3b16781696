"""Site settings page: who and what may reach the site — callback URL and secret, API keys,
moderators (routes on the ``moderation`` blueprint).

* ``POST /moderation/sites/<id>/callback``: ``url``, validated as ``saring sites set-callback``
  does (``service.webhooks.outbox.set_callback``); the first URL brings a new secret, shown once;
* ``POST /moderation/sites/<id>/callback/clear``: stop sending decisions (URL and secret go);
* ``POST /moderation/sites/<id>/callback/rotate``: a new signing secret, shown once;
* ``POST /moderation/sites/<id>/keys``: a new API key (``label``), shown once in full;
* ``POST /moderation/sites/<id>/keys/<key_id>/revoke``: revoke one of the site's keys;
* ``POST /moderation/sites/<id>/moderators``: let the existing moderator ``email`` moderate the site;
* ``POST /moderation/sites/<id>/moderators/<user_id>/remove``: stop them moderating it.

A new key or secret is answered with the page itself (200, ``Cache-Control: no-store``), never
through a redirect or the session cookie, and is not shown again. Admins only
(``site_settings.site_to_change``); each change is audited by the domain function it calls.
"""
from __future__ import annotations

from flask import flash, redirect, url_for
from flask.typing import ResponseReturnValue

from service.accounts import sites as site_accounts
from service.accounts import users
from service.errors import ValidationFailed
from service.pages.moderation.site_settings import (FORM_FIELDS, first_send, form_values, render_site, site_to_change,
                                                    who)
from service.pages.moderation.views import bp
from service.web.context import db_session, runtime
from service.webhooks import outbox


def _back(site_id: int, section: str) -> ResponseReturnValue:
    return redirect(url_for("moderation.site_page", site_id=site_id) + f"#{section}")


def _sent_again(site_id: int, section: str, what: str) -> ResponseReturnValue:
    flash(f"This form was sent again (a reload?): no new {what} was made. The one made before was shown "
          f"only once; make another if it was not copied.", "info")
    return _back(site_id, section)


@bp.route("/sites/<dbint:site_id>/callback", methods=["POST"])
def site_set_callback(site_id: int) -> ResponseReturnValue:
    """Register the callback URL (the secret in force is kept; a site without one gets one, shown once)."""
    site = site_to_change(site_id)
    if not first_send():
        return _sent_again(site.id, "callback", "secret")
    form = form_values(FORM_FIELDS["callback"])
    s = db_session()
    had_secret = bool(site.callback_secret)
    try:
        if not form["url"].strip():
            raise ValidationFailed("give the callback URL (to stop sending decisions, use Remove)", field="url")
        secret = outbox.set_callback(s, site, form["url"], allow_internal=runtime().settings.webhook_allow_internal,
                                     **who())
    except ValidationFailed as exc:
        s.rollback()
        return render_site(site, 400, exc, "callback", form)
    s.commit()
    if had_secret:
        flash(f"Decisions now go to {site.callback_url}, signed with the same secret.", "info")
        return _back(site.id, "callback")
    return render_site(site, shown_once={"what": "secret", "value": secret},
                       notice=f"Decisions now go to {site.callback_url}. A signing secret was made for it.")


@bp.route("/sites/<dbint:site_id>/callback/clear", methods=["POST"])
def site_clear_callback(site_id: int) -> ResponseReturnValue:
    """Stop sending decisions to the site: its URL and secret are removed."""
    site = site_to_change(site_id)
    s = db_session()
    outbox.set_callback(s, site, None, **who())
    s.commit()
    flash("Callback removed: moderator decisions are no longer sent to this site.", "info")
    return _back(site.id, "callback")


@bp.route("/sites/<dbint:site_id>/callback/rotate", methods=["POST"])
def site_rotate_secret(site_id: int) -> ResponseReturnValue:
    """A new signing secret, shown in this answer only (the old one stops verifying at once)."""
    site = site_to_change(site_id)
    if not first_send():
        return _sent_again(site.id, "callback", "secret")
    s = db_session()
    try:
        secret = outbox.rotate_secret(s, site, **who())
    except ValidationFailed as exc:
        s.rollback()
        return render_site(site, 400, exc, "callback", {})
    s.commit()
    return render_site(site, shown_once={"what": "secret", "value": secret},
                       notice="New signing secret: deliveries are signed with it from now on; the old one no longer verifies.")


@bp.route("/sites/<dbint:site_id>/keys", methods=["POST"])
def site_create_key(site_id: int) -> ResponseReturnValue:
    """A new API key for the site, shown in full in this answer only."""
    site = site_to_change(site_id)
    if not first_send():
        return _sent_again(site.id, "keys", "key")
    form = form_values(FORM_FIELDS["key"])
    s = db_session()
    try:
        new = site_accounts.create_key(s, site.url, form["label"], **who())
    except ValidationFailed as exc:
        s.rollback()
        return render_site(site, 400, exc, "key", form)
    s.commit()
    return render_site(site, shown_once={"what": "key", "value": new.key, "key_id": new.key_id},
                       notice=f"Created key {new.key_id}.")


@bp.route("/sites/<dbint:site_id>/keys/<dbint:key_id>/revoke", methods=["POST"])
def site_revoke_key(site_id: int, key_id: int) -> ResponseReturnValue:
    """Revoke one of the site's keys (``NotFound`` for a key of another site)."""
    site = site_to_change(site_id)
    s = db_session()
    row = site_accounts.revoke_key(s, str(key_id), site=site, **who())
    s.commit()
    flash(f"Revoked key {row.id} ({row.key_hint}…): it is refused from now on.", "info")
    return _back(site.id, "keys")


@bp.route("/sites/<dbint:site_id>/moderators", methods=["POST"])
def site_add_moderator(site_id: int) -> ResponseReturnValue:
    """Let an existing moderator (by e-mail) moderate this site too."""
    site = site_to_change(site_id)
    form = form_values(FORM_FIELDS["moderator"])
    s = db_session()
    try:
        user, added = users.add_moderator(s, site, form["email"], **who())
    except ValidationFailed as exc:
        s.rollback()
        return render_site(site, 400, exc, "moderator", form)
    s.commit()
    flash(f"{user.email} moderates this site now." if added else f"{user.email} already moderates this site.", "info")
    return _back(site.id, "moderators")


@bp.route("/sites/<dbint:site_id>/moderators/<dbint:user_id>/remove", methods=["POST"])
def site_remove_moderator(site_id: int, user_id: int) -> ResponseReturnValue:
    """Stop a user moderating this site (their other sites stay)."""
    site = site_to_change(site_id)
    s = db_session()
    user = users.remove_moderator(s, site, user_id, **who())
    s.commit()
    flash(f"{user.email} no longer moderates this site.", "info")
    return _back(site.id, "moderators")
