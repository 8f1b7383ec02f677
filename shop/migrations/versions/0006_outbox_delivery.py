"""outbox: a Message-ID given at queue time, a claim with a lease, attempts, backoff, dead letters

Revision ID: 0006_outbox_delivery
Revises: 0005_report_indexes
Create Date: 2026-11-27 23:30:00

"""
import sqlalchemy as sa
from alembic import op

import shop.extensions

# revision identifiers, used by Alembic.
revision = "0006_outbox_delivery"
down_revision = "0005_report_indexes"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("outbox_emails", schema=None) as batch_op:
        batch_op.add_column(sa.Column("message_id", sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column("attempts", sa.Integer(), nullable=False,
                                      server_default="0"))
        batch_op.add_column(sa.Column("next_attempt_at",
                                      shop.extensions.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("claimed_until",
                                      shop.extensions.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("last_error", sa.String(length=500), nullable=False,
                                      server_default=""))
        batch_op.add_column(sa.Column("dead_at",
                                      shop.extensions.UTCDateTime(timezone=True), nullable=True))
    # Emails queued before this revision get an id of their own, as new ones do when queued.
    op.execute("UPDATE outbox_emails SET message_id = '<outbox-' || id || '@kefirshop.example>'")
    with op.batch_alter_table("outbox_emails", schema=None) as batch_op:
        batch_op.alter_column("message_id", existing_type=sa.String(length=255), nullable=False)
        batch_op.alter_column("attempts", server_default=None)
        batch_op.alter_column("last_error", server_default=None)
        batch_op.create_unique_constraint(batch_op.f("uq_outbox_emails_message_id"),
                                          ["message_id"])


def downgrade():
    with op.batch_alter_table("outbox_emails", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_outbox_emails_message_id"), type_="unique")
        batch_op.drop_column("dead_at")
        batch_op.drop_column("last_error")
        batch_op.drop_column("claimed_until")
        batch_op.drop_column("next_attempt_at")
        batch_op.drop_column("attempts")
        batch_op.drop_column("message_id")
