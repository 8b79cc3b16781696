"""Key sites: the sites an API key covers besides its own (a ``blog`` first named by the key
becomes a site covered by it; ``service.accounts.key_sites``)

Revision ID: 0008_key_sites
Revises: 0007
Create Date: 2026-12-10 09:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0008_key_sites'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "key_sites",
        sa.Column("api_key_id", sa.Integer(), sa.ForeignKey("api_keys.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("site_id", sa.Integer(), sa.ForeignKey("sites.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_key_sites_site_id", "key_sites", ["site_id"])


def downgrade() -> None:
    op.drop_index("ix_key_sites_site_id", table_name="key_sites")
    op.drop_table("key_sites")
