"""outbox: each email's HTML part beside its plain text

Revision ID: 0009_email_html
Revises: 0008_live_chat
Create Date: 2026-11-28 03:30:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0009_email_html"
down_revision = "0008_live_chat"
branch_labels = None
depends_on = None


def upgrade():
    # Emails queued before this revision have none and are sent as plain text, as they were.
    with op.batch_alter_table("outbox_emails", schema=None) as batch_op:
        batch_op.add_column(sa.Column("html", sa.Text(), nullable=True))


def downgrade():
    with op.batch_alter_table("outbox_emails", schema=None) as batch_op:
        batch_op.drop_column("html")
