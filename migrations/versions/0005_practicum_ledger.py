"""practicum ledger

Revision ID: 0005_practicum_ledger
Revises: 0004_recordings
Create Date: 2026-12-05 04:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0005_practicum_ledger'
down_revision = '0004_recordings'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
