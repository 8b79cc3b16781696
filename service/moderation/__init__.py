"""Moderation: what moderators and sites do with decided comments (plain Python, no Flask).

* ``actors``: who acts (``Actor``) and which sites they see;
* ``listing``: the queue's filters, pages, counts, one comment and its history;
* ``overview``: counts per site and decisions per day;
* ``actions``: approve / spam / reject (bulk, revision-checked) and undo;
* ``labels``: the one writer of training labels (and after-commit observers);
* ``reports``: the sites' own reports (Akismet submit-spam / submit-ham, JSON feedback).

The names below are the package's interface for the web and CLI layers.
"""
from service.moderation.actions import (ACTIONS, EVENT_LABEL, MAX_BULK, MAX_REASON_CHARS, ActionResult, Moved,
                                        act, can_undo, undo)
from service.moderation.actors import Actor, resolve_site, visible_sites
from service.moderation.listing import (MAX_PAGE, MAX_PER_PAGE, MAX_QUERY_CHARS, SORTS, Page, QueueFilter,
                                        get_comment, history, list_comments, status_counts)
from service.moderation.overview import DayCounts, SiteOverview, site_overview

__all__ = [
    "ACTIONS", "EVENT_LABEL", "MAX_BULK", "MAX_PAGE", "MAX_PER_PAGE", "MAX_QUERY_CHARS", "MAX_REASON_CHARS", "SORTS",
    "ActionResult", "Actor", "DayCounts", "Moved", "Page", "QueueFilter", "SiteOverview",
    "act", "can_undo", "get_comment", "history", "list_comments", "resolve_site", "site_overview", "status_counts",
    "undo", "visible_sites",
]
