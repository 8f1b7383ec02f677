"""orders remember the client address that placed them (abuse limits)

Revision ID: 0013_prod
Revises: 0012_customer_accounts
Create Date: 2026-11-28 03:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0013_prod"
down_revision = "0012_customer_accounts"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.add_column(sa.Column('client_address', sa.String(length=45), server_default='', nullable=False))
        batch_op.create_index(batch_op.f('ix_orders_client_address'), ['client_address'], unique=False)


def downgrade():
    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_orders_client_address'))
        batch_op.drop_column('client_address')
