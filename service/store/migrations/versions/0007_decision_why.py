"""Why each comment was decided (language, thresholds and their source, rule, decision score),
site thresholds per language, the site settings audit log

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03 13:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

_COMMENT_COLUMNS = (
    ("detected_lang", sa.String(16)),
    ("hold_threshold", sa.Float()),
    ("reject_threshold", sa.Float()),
    ("threshold_source", sa.String(16)),
    ("rule", sa.String(32)),
    ("decision_score", sa.Float()),
)


def upgrade() -> None:
    for name, type_ in _COMMENT_COLUMNS:
        op.add_column("comments", sa.Column(name, type_, nullable=True))
    op.add_column("sites", sa.Column("thresholds_by_lang", sa.JSON(), nullable=True))
    op.create_table(
        "site_events",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("site_id", sa.Integer(), sa.ForeignKey("sites.id", ondelete="CASCADE"), nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("actor", sa.String(255), nullable=False),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
        sa.Column("detail", sa.JSON(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_site_events_site_id", "site_events", ["site_id"])
    op.create_index("ix_site_events_created_at", "site_events", ["created_at"])


def downgrade() -> None:
    op.drop_index("ix_site_events_created_at", table_name="site_events")
    op.drop_index("ix_site_events_site_id", table_name="site_events")
    op.drop_table("site_events")
    with op.batch_alter_table("sites") as batch:
        batch.drop_column("thresholds_by_lang")
    with op.batch_alter_table("comments") as batch:
        for name, _ in reversed(_COMMENT_COLUMNS):
            batch.drop_column(name)
