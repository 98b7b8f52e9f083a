"""fidelity signals and drift flags

Revision ID: 0008_fidelity
Revises: 0007_audits
Create Date: 2026-12-05 04:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0008_fidelity'
down_revision = '0007_audits'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
