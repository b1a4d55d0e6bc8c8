"""create orders

Revision ID: 8c4e6d0a51b2
Revises: 3f1a2b7c9d01
Create Date: 2024-02-12 16:40:02.118904
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "8c4e6d0a51b2"
down_revision: str | None = "3f1a2b7c9d01"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "orders",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("customer_id", sa.Integer(), sa.ForeignKey("customers.id", ondelete="CASCADE"), nullable=False),
        sa.Column("total", sa.Numeric(12, 2), nullable=False),
        sa.Column("created_at", sa.DateTime(), server_default=sa.func.now(), nullable=False),
    )
    op.create_index("ix_orders_customer_id", "orders", ["customer_id"])


def downgrade() -> None:
    op.drop_index("ix_orders_customer_id", table_name="orders")
    op.drop_table("orders")
