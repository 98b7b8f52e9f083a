"""certification

Revision ID: 0009_certification
Revises: 0008_fidelity
Create Date: 2026-12-05 04:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0009_certification'
down_revision = '0008_fidelity'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
