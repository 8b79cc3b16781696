"""Speed of moderator actions in-process: one bulk action on N held comments vs N single actions,
beside a baseline measured in the same run (one bare ``UPDATE comments SET status`` of the same
N rows in one transaction: the least database work any implementation must do).

Uses DATABASE_URL when set (e.g. PostgreSQL), else a temporary SQLite file. Prints milliseconds
and ratios to the baseline.

    .venv/bin/python benchmarks/queue_actions.py [--n 200] [--repeat 3]
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import update  # noqa: E402

from service import queue  # noqa: E402
from service.config import Settings  # noqa: E402
from service.store.db import Database, session_scope  # noqa: E402
from service.store.tables import Base, Comment, CommentEvent, Site, User  # noqa: E402


def seed(db: Database, n: int) -> list[str]:
    with session_scope(db) as s:
        site = s.query(Site).first()
        ids = []
        for i in range(n):
            c = Comment(site_id=site.id, content=f"slot gacor maxwin {i}", spam_score=0.8, decision="hold",
                        status="held", model_version="bench", reasons=[])
            s.add(c)
            s.flush()
            s.add(CommentEvent(comment_id=c.id, action="decide", actor_type="system", actor="bench", to_status="held"))
            ids.append(c.id)
    return ids


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=200)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="saring-bench-")
    url = Settings(database_url=os.environ.get("DATABASE_URL", f"sqlite:///{tmp}/bench.db"), home=Path(tmp)).resolved().database_url
    db = Database(url)
    db.upgrade()
    with db.engine.begin() as conn:
        for table in reversed(Base.metadata.sorted_tables):
            conn.execute(table.delete())
    with session_scope(db) as s:
        s.add(Site(url="https://bench.example", name="bench"))
        s.add(User(email="bench@bench.example", password_hash="x", role="admin"))
    with db.session() as s:
        actor = queue.Actor.of(s.query(User).one())
    results: dict[str, list[float]] = {"baseline UPDATE": [], "bulk action": [], "single actions": []}
    for _ in range(args.repeat):
        ids = seed(db, args.n)
        t = time.perf_counter()
        with session_scope(db) as s:
            s.execute(update(Comment).where(Comment.id.in_(ids)).values(status="spam"),
                      execution_options={"synchronize_session": False})
        results["baseline UPDATE"].append(time.perf_counter() - t)
        ids = seed(db, args.n)
        t = time.perf_counter()
        with db.session() as s:
            queue.act(s, actor, "spam", ids)
        results["bulk action"].append(time.perf_counter() - t)
        ids = seed(db, args.n)
        t = time.perf_counter()
        with db.session() as s:
            for cid in ids:
                queue.act(s, actor, "spam", [cid])
        results["single actions"].append(time.perf_counter() - t)
    base = statistics.median(results["baseline UPDATE"])
    print(f"database: {db.engine.dialect.name}; {args.n} held comments; median of {args.repeat} runs")
    for name, values in results.items():
        med = statistics.median(values)
        print(f"  {name:<16} {med * 1000:8.1f} ms  ({med / args.n * 1000:6.2f} ms per comment)  "
              f"x{med / base:6.1f} the baseline")
    db.dispose()


if __name__ == "__main__":
    main()
