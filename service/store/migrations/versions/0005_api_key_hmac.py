"""api_keys.hash_version: keys stored as HMAC-SHA-256 under a server secret (2); existing rows are
plain SHA-256 (1) until ``service.accounts.sites.upgrade_key_hashes`` re-stores them

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 17:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("api_keys", sa.Column("hash_version", sa.Integer(), nullable=False, server_default="1"))


def downgrade() -> None:
    with op.batch_alter_table("api_keys") as batch:
        batch.drop_column("hash_version")
