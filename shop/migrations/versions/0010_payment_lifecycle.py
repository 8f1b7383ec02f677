"""payment lifecycle: declined attempts, intents to cancel, pending refunds, disputes

Revision ID: 0010_payment_lifecycle
Revises: 0009_email_html
Create Date: 2026-11-28 03:30:00

"""
import sqlalchemy as sa
from alembic import op

import shop.extensions

# revision identifiers, used by Alembic.
revision = "0010_payment_lifecycle"
down_revision = "0009_email_html"
branch_labels = None
depends_on = None

#: (name, type, server default for the rows already there; None: nullable)
COLUMNS = [
    ("payment_attempts", sa.Integer(), "0"),
    ("payment_error", sa.String(length=200), ""),
    ("cancel_intent", sa.Boolean(), sa.false()),
    ("refund_state", sa.String(length=10), ""),
    ("refund_reason", sa.String(length=20), ""),
    ("refunded_pence", sa.Integer(), "0"),
    ("refund_requested_at", shop.extensions.UTCDateTime(timezone=True), None),
    ("refunded_at", shop.extensions.UTCDateTime(timezone=True), None),
    ("refund_attempts", sa.Integer(), "0"),
    ("refund_error", sa.String(length=500), ""),
    ("refund_next_at", shop.extensions.UTCDateTime(timezone=True), None),
    ("dispute_status", sa.String(length=40), ""),
    ("dispute_reason", sa.String(length=60), ""),
]


def upgrade():
    with op.batch_alter_table("orders", schema=None) as batch_op:
        for name, type_, default in COLUMNS:
            if default is None:
                batch_op.add_column(sa.Column(name, type_, nullable=True))
            else:
                batch_op.add_column(sa.Column(name, type_, nullable=False, server_default=default))
    # Orders refunded before this revision were refunded through Stripe there and then.
    op.execute("UPDATE orders SET refund_state = 'refunded', refund_reason = 'admin', "
               "refunded_pence = total_pence WHERE status = 'refunded'")
    with op.batch_alter_table("orders", schema=None) as batch_op:
        for name, _type, default in COLUMNS:
            if default is not None:
                batch_op.alter_column(name, server_default=None)
        batch_op.create_index(batch_op.f("ix_orders_cancel_intent"), ["cancel_intent"],
                              unique=False)
        batch_op.create_index(batch_op.f("ix_orders_refund_state"), ["refund_state"],
                              unique=False)


def downgrade():
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_orders_refund_state"))
        batch_op.drop_index(batch_op.f("ix_orders_cancel_intent"))
        for name, _type, _default in reversed(COLUMNS):
            batch_op.drop_column(name)
