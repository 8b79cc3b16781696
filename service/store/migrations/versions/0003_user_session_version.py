"""users.session_version: bumped on sign-out and password change; sessions carrying an older one end

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29 13:30:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("users", sa.Column("session_version", sa.Integer(), nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.drop_column("session_version")
