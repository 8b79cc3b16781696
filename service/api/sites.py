"""Admin API (JSON): a site's learning configuration and its allow / block lists.

* ``GET /api/v1/admin/sites``: every site with its configuration;
* ``GET|PATCH /api/v1/admin/sites/<site_id>/learning``: shadow mode, expected languages, settings
  (``service.learning.settings``; a setting ``null`` restores its default);
* ``GET|POST /api/v1/admin/sites/<site_id>/lists``, ``DELETE /api/v1/admin/sites/<site_id>/lists/<entry_id>``
  (``service.learning.lists``).

Auth as the rest of the admin API (``service.api.admin.require_admin``). Thin: parse, call, serialize.
"""
from __future__ import annotations

from flask import request
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import RAISE, Schema, fields, validate

from models.lang import LID176_LANGS
from service.api.admin import require_admin
from service.api.timestamps import Timestamp
from service.errors import NotFound
from service.learning import lists, settings
from service.store.tables import ListEntry, Site
from service.accounts.sites import list_sites
from service.validation import NO_NUL_PATTERN
from service.web.auth import current_actor
from service.web.context import db_session, require_json_object
from service.web.params import StrictBool
from service.web.responses import moderator_api_headers

blp = Blueprint("admin_sites", __name__, url_prefix="/api/v1/admin/sites",
                description="Site learning: shadow mode, languages, settings, allow/block lists (admin)")
_SECURITY = [{"bearer": []}, {"session": []}]


class LearningOut(Schema):
    site_id = fields.Integer()
    site = fields.String()
    shadow_mode = fields.Boolean()
    languages = fields.List(fields.String())
    settings = fields.Dict(metadata={"description": "every setting in force (defaults included)"})
    overrides = fields.Dict(metadata={"description": "the settings that differ from the defaults"})


class SiteListOut(Schema):
    items = fields.List(fields.Nested(LearningOut))


def _settings_schema() -> type[Schema]:
    """One nullable field per setting of ``service.learning.settings.LearningSettings`` (null
    restores the default); the ranges are the ones ``validate_overrides`` enforces."""
    attrs: dict = {"Meta": type("Meta", (), {"unknown": RAISE})}
    for name in settings.NAMES:
        default = getattr(settings.DEFAULTS, name)
        if isinstance(default, bool):
            attrs[name] = StrictBool(allow_none=True)
        elif isinstance(default, int):
            attrs[name] = fields.Integer(allow_none=True, strict=True,
                                         validate=validate.Range(1, settings.MAX_INT.get(name, settings.DEFAULT_MAX_INT)))
        else:
            attrs[name] = fields.Float(allow_none=True, allow_nan=False, validate=validate.Range(0, 600))
    return Schema.from_dict({k: v for k, v in attrs.items() if k != "Meta"}, name="LearningSettingsIn")


SettingsIn = _settings_schema()


class LearningIn(Schema):
    shadow_mode = StrictBool(metadata={"description": "answer accept to every comment, store the real decision"})
    languages = fields.List(fields.String(validate=validate.OneOf(sorted(LID176_LANGS))), validate=validate.Length(max=20),
                            metadata={"description": "expected languages (ISO codes); [] turns the policy off"})
    settings = fields.Nested(SettingsIn, unknown=RAISE, metadata={
        "description": "settings to change (see docs/site-learning.md); null restores a default"})


class EntryIn(Schema):
    kind = fields.String(required=True, validate=validate.OneOf(lists.KINDS))
    value = fields.String(required=True, validate=validate.Length(min=1, max=255), metadata={"pattern": NO_NUL_PATTERN})
    action = fields.String(required=True, validate=validate.OneOf(lists.ACTIONS))
    note = fields.String(load_default="", validate=validate.Length(max=255), metadata={"pattern": NO_NUL_PATTERN})


class EntryOut(Schema):
    id = fields.Integer()
    kind = fields.String()
    value = fields.String()
    action = fields.String()
    note = fields.String()
    created_by = fields.String()
    created_at = Timestamp()


class EntryListOut(Schema):
    items = fields.List(fields.Nested(EntryOut))


def _site(site_id: int) -> Site:
    site = db_session().get(Site, site_id)
    if site is None:
        raise NotFound(f"no site {site_id}", field="site_id")
    return site


@blp.before_request
def _authenticate() -> None:
    require_admin()
    if request.method in ("POST", "PATCH"):
        require_json_object()


blp.after_request(moderator_api_headers)


@blp.route("")
class Sites(MethodView):
    @blp.response(200, SiteListOut)
    @blp.doc(security=_SECURITY)
    def get(self) -> dict:
        """Every site with its learning configuration."""
        return {"items": [settings.describe_site(s) for s in list_sites(db_session())]}


@blp.route("/<dbint:site_id>/learning")
class Learning(MethodView):
    @blp.response(200, LearningOut)
    @blp.alt_response(404, description="No such site")
    @blp.doc(security=_SECURITY)
    def get(self, site_id: int) -> dict:
        """A site's shadow mode, languages and settings."""
        return settings.describe_site(_site(site_id))

    @blp.arguments(LearningIn, unknown=RAISE)
    @blp.response(200, LearningOut)
    @blp.alt_response(404, description="No such site")
    @blp.doc(security=_SECURITY)
    def patch(self, body: dict, site_id: int) -> dict:
        """Change shadow mode, languages or settings (only the fields given)."""
        session = db_session()
        site = _site(site_id)
        actor = current_actor()
        settings.configure_site(site, body.get("shadow_mode"), body.get("languages"), body.get("settings"),
                                actor=actor.name, actor_id=actor.user_id, session=session)
        session.commit()
        return settings.describe_site(site)


@blp.route("/<dbint:site_id>/lists")
class Lists(MethodView):
    @blp.response(200, EntryListOut)
    @blp.alt_response(404, description="No such site")
    @blp.doc(security=_SECURITY)
    def get(self, site_id: int) -> dict:
        """The site's allow / block list entries."""
        return {"items": lists.entries_of(db_session(), _site(site_id).id)}

    @blp.arguments(EntryIn, unknown=RAISE)
    @blp.response(201, EntryOut)
    @blp.alt_response(404, description="No such site")
    @blp.doc(security=_SECURITY)
    def post(self, body: dict, site_id: int) -> ListEntry:
        """Add an entry (the same kind and value again changes its action and note)."""
        session = db_session()
        actor = current_actor()
        row = lists.add_entry(session, _site(site_id).id, body["kind"], body["value"], body["action"], body["note"],
                              created_by=actor.name, actor_id=actor.user_id)
        session.commit()
        return row


@blp.route("/<dbint:site_id>/lists/<dbint:entry_id>")
class ListEntryView(MethodView):
    @blp.response(204)
    @blp.alt_response(404, description="No such site or entry")
    @blp.doc(security=_SECURITY)
    def delete(self, site_id: int, entry_id: int) -> None:
        """Remove an entry."""
        session = db_session()
        actor = current_actor()
        lists.remove_entry(session, _site(site_id).id, entry_id, actor=actor.name, actor_id=actor.user_id)
        session.commit()
