"""moderation indexes: audit events by time (overview chart), webhook deliveries by status (sweeper)

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29 12:30:00
"""
from alembic import op

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_comment_events_created_at", "comment_events", ["created_at"])
    op.create_index("ix_webhook_deliveries_status_created", "webhook_deliveries", ["status", "created_at"])


def downgrade() -> None:
    op.drop_index("ix_webhook_deliveries_status_created", table_name="webhook_deliveries")
    op.drop_index("ix_comment_events_created_at", table_name="comment_events")
