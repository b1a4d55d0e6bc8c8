"""add cover url

Revision ID: b7c8d9e0f1a2
Revises: a1b2c3d4e5f6
Create Date: 2024-04-20 15:02:00
"""
import sqlalchemy as sa
from alembic import op

revision = "b7c8d9e0f1a2"
down_revision = "a1b2c3d4e5f6"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("books", sa.Column("cover_url", sa.String(500), nullable=True))


def downgrade() -> None:
    op.drop_column("books", "cover_url")
