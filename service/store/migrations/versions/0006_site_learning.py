"""Site learning: reputation counts, allow/block lists, shadow mode, language policy, settings;
comments keep their commenter identity, content hash and shadow flag

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03 07:30:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("sites", sa.Column("shadow_mode", sa.Boolean(), nullable=False, server_default="0"))
    op.add_column("sites", sa.Column("languages", sa.JSON(), nullable=True))
    op.add_column("sites", sa.Column("learning", sa.JSON(), nullable=True))
    op.add_column("comments", sa.Column("commenter", sa.String(255), nullable=True))
    op.add_column("comments", sa.Column("content_hash", sa.String(40), nullable=True))
    op.add_column("comments", sa.Column("shadow", sa.Boolean(), nullable=False, server_default="0"))
    op.create_index("ix_comments_site_commenter", "comments", ["site_id", "commenter", "created_at"])
    op.create_index("ix_comments_site_content_hash", "comments", ["site_id", "content_hash"])
    op.create_table(
        "reputation",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("site_id", sa.Integer(), sa.ForeignKey("sites.id", ondelete="CASCADE"), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("value", sa.String(255), nullable=False),
        sa.Column("spam", sa.Integer(), nullable=False),
        sa.Column("ham", sa.Integer(), nullable=False),
        sa.Column("first_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("site_id", "kind", "value", name="uq_reputation_site_kind_value"),
    )
    op.create_table(
        "list_entries",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("site_id", sa.Integer(), sa.ForeignKey("sites.id", ondelete="CASCADE"), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("value", sa.String(255), nullable=False),
        sa.Column("action", sa.String(8), nullable=False),
        sa.Column("note", sa.String(255), nullable=False),
        sa.Column("created_by", sa.String(255), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("site_id", "kind", "value", name="uq_list_entries_site_kind_value"),
    )
    op.create_index("ix_list_entries_site_id", "list_entries", ["site_id"])


def downgrade() -> None:
    op.drop_index("ix_list_entries_site_id", table_name="list_entries")
    op.drop_table("list_entries")
    op.drop_table("reputation")
    op.drop_index("ix_comments_site_content_hash", table_name="comments")
    op.drop_index("ix_comments_site_commenter", table_name="comments")
    with op.batch_alter_table("comments") as batch:
        batch.drop_column("shadow")
        batch.drop_column("content_hash")
        batch.drop_column("commenter")
    with op.batch_alter_table("sites") as batch:
        batch.drop_column("learning")
        batch.drop_column("languages")
        batch.drop_column("shadow_mode")
