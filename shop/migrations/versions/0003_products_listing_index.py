"""products: an index in catalogue order (active, featured first, then name)

Revision ID: 0002_listing_index
Revises: c1_orders
Create Date: 2026-11-25 05:40:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0002_listing_index"
down_revision = "c1_orders"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index(
        "ix_products_listing",
        "products",
        ["active", sa.text("featured DESC"), "name", "id"],
        unique=False,
    )


def downgrade():
    op.drop_index("ix_products_listing", table_name="products")
