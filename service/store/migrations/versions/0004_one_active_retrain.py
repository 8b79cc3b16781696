"""retrain_runs: at most one queued-or-running run, enforced by a partial unique index

Older active runs than the newest are ended as failed first (two could start at once before).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 23:40:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

ACTIVE = "status IN ('queued', 'running')"


def upgrade() -> None:
    op.execute(f"UPDATE retrain_runs SET status = 'failed' WHERE {ACTIVE} AND id < "
               f"(SELECT MAX(id) FROM retrain_runs WHERE {ACTIVE})")
    op.create_index("one_active_retrain", "retrain_runs", [sa.text(f"({ACTIVE})")], unique=True,
                    sqlite_where=sa.text(ACTIVE), postgresql_where=sa.text(ACTIVE))


def downgrade() -> None:
    op.drop_index("one_active_retrain", table_name="retrain_runs")
