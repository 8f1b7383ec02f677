"""orders and baskets: indexes for the owner's reports

Revision ID: 0005_report_indexes
Revises: a1_admin
Create Date: 2026-11-27 23:30:00

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = "0005_report_indexes"
down_revision = "a1_admin"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index(
        "ix_orders_sales",
        "orders",
        ["paid_at", "status", "subtotal_pence", "delivery_pence", "total_pence"],
        unique=False,
    )
    op.create_index(
        "ix_order_lines_sold",
        "order_lines",
        ["order_id", "product_id", "quantity", "unit_price_pence"],
        unique=False,
    )
    op.create_index("ix_orders_created_at", "orders", ["created_at"], unique=False)
    op.create_index("ix_baskets_created_at", "baskets", ["created_at"], unique=False)


def downgrade():
    op.drop_index("ix_baskets_created_at", table_name="baskets")
    op.drop_index("ix_orders_created_at", table_name="orders")
    op.drop_index("ix_order_lines_sold", table_name="order_lines")
    op.drop_index("ix_orders_sales", table_name="orders")
