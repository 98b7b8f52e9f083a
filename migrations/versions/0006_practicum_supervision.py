"""practicum supervision, capstone, gates

Revision ID: 0006_practicum_supervision
Revises: 0005_practicum_ledger
Create Date: 2026-12-05 04:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0006_practicum_supervision'
down_revision = '0005_practicum_ledger'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
