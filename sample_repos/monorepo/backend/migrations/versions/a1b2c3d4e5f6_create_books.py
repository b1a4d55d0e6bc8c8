"""create books

Revision ID: a1b2c3d4e5f6
Revises:
Create Date: 2024-04-02 11:20:00
"""
import sqlalchemy as sa
from alembic import op

revision = "a1b2c3d4e5f6"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "books",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("author", sa.String(200), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("books")
