"""supervision structure and audits

Revision ID: 0007_audits
Revises: 0006_practicum_supervision
Create Date: 2026-12-05 04:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0007_audits'
down_revision = '0006_practicum_supervision'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
