"""add order status

Revision ID: c21d9e7f4a63
Revises: 8c4e6d0a51b2
Create Date: 2024-03-20 09:03:57.640217
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "c21d9e7f4a63"
down_revision: str | None = "8c4e6d0a51b2"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "orders",
        sa.Column("status", sa.String(length=20), server_default="pending", nullable=False),
    )


def downgrade() -> None:
    op.drop_column("orders", "status")
