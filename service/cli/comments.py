"""``saring comments history ID``: a comment's audit log on the command line (the lookup is
``service.moderation.get_comment``)."""
from __future__ import annotations

import json

import click

from service.cli.context import CliContext, pass_cli, printable


def format_history(comment) -> list[str]:
    """Lines of ``comment``'s why (``service.checking.why.summary_lines``) and audit log (``events``
    loaded), oldest first: time (UTC), action, actor, from → to status, reason; undone events are
    marked."""
    lines = [f"comment {comment.id}  site {comment.site.url}  status {comment.status}  "
             f"label {comment.label.label if comment.label else '-'}  revision {comment.revision}"]
    from service.checking.why import summary_lines  # here, not at import: see test_cli_imports_no_metrics

    lines += ["  why: " + line for line in summary_lines(comment)] + ["  audit log:"]
    for e in comment.events:
        when = e.created_at.strftime("%Y-%m-%d %H:%M:%S") if e.created_at else "?"
        mark = "  (undone)" if e.undone else ""
        lines.append(f"  {when} UTC  {e.action:<11} {e.actor_type}:{e.actor:<28} "
                     f"{e.from_status or '-':>8} → {e.to_status:<8}  {e.reason}{mark}")
    return lines


@click.group()
def comments() -> None:
    """Stored comments."""


@comments.command("history")
@click.argument("comment_id")
@click.option("--json", "as_json", is_flag=True, help="print the why and the events as JSON")
@pass_cli
def comments_history(cli: CliContext, comment_id: str, as_json: bool) -> None:
    """Print the audit log of COMMENT_ID: the automatic decision and every action since."""
    from service.errors import NotFound
    from service.moderation import Actor, get_comment

    # whoever runs the CLI has the database: they read every site's comments, as an admin does
    operator = Actor(user_id=0, name="cli", role="admin", site_ids=None)
    with cli.database.session() as s:
        try:
            comment = get_comment(s, operator, comment_id.strip().lower())
        except NotFound:
            raise click.ClickException(f"no comment {comment_id!r}") from None
        if as_json:
            from service.checking.why import explain

            click.echo(json.dumps({"id": comment.id, "why": explain(comment), "events": [{
                "id": e.id, "created_at": e.created_at.isoformat(), "action": e.action,
                "actor_type": e.actor_type, "actor": e.actor, "from_status": e.from_status,
                "to_status": e.to_status, "reason": e.reason, "undone": e.undone} for e in comment.events]},
                indent=2, ensure_ascii=False))
        else:
            click.echo("\n".join(printable(line) for line in format_history(comment)))
