"""``saring comments history ID``: a comment's audit log on the command line.

Registered on the ``saring`` group by ``service.cli``.
"""
from __future__ import annotations

import json

import click


def format_history(comment) -> list[str]:
    """Lines of ``comment``'s audit log (``events`` loaded), oldest first: time (UTC), action,
    actor, from → to status, reason; undone events are marked."""
    lines = [f"comment {comment.id}  site {comment.site.url}  status {comment.status}  "
             f"label {comment.label.label if comment.label else '-'}  revision {comment.revision}"]
    for e in comment.events:
        when = e.created_at.strftime("%Y-%m-%d %H:%M:%S") if e.created_at else "?"
        mark = "  (undone)" if e.undone else ""
        lines.append(f"  {when} UTC  {e.action:<11} {e.actor_type}:{e.actor:<28} "
                     f"{e.from_status or '-':>8} → {e.to_status:<8}  {e.reason}{mark}")
    return lines


def register(main: click.Group) -> None:
    """Add the ``comments`` group to ``main``."""

    @main.group()
    def comments() -> None:
        """Stored comments."""

    @comments.command("history")
    @click.argument("comment_id")
    @click.option("--json", "as_json", is_flag=True, help="print the events as JSON")
    def comments_history(comment_id: str, as_json: bool) -> None:
        """Print the audit log of COMMENT_ID: the automatic decision and every action since."""
        from sqlalchemy.orm import joinedload, selectinload

        from service.cli import _database
        from service.store.tables import Comment

        db = _database()
        try:
            with db.session() as s:
                comment = s.get(Comment, comment_id.strip().lower(), options=[
                    joinedload(Comment.site), selectinload(Comment.events), selectinload(Comment.label)])
                if comment is None:
                    raise click.ClickException(f"no comment {comment_id!r}")
                if as_json:
                    click.echo(json.dumps([{
                        "id": e.id, "created_at": e.created_at.isoformat(), "action": e.action,
                        "actor_type": e.actor_type, "actor": e.actor, "from_status": e.from_status,
                        "to_status": e.to_status, "reason": e.reason, "undone": e.undone} for e in comment.events],
                        indent=2))
                else:
                    click.echo("\n".join(format_history(comment)))
        finally:
            db.dispose()
