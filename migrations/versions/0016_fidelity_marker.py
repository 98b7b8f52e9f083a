"""fidelity marker: what a stored signal was computed from, so a refresh skips unchanged ones

`fidelity refresh` read and fingerprinted every transcript's segments on every run (166 s on
the large organisation, no faster the second time). The marker is computed in SQL from the
segments and their review edits; only transcripts whose marker changed are read again.
Existing rows start without one: the first refresh checks each once.

Revision ID: 0016_fidelity_marker
Revises: 0015_ids_never_reused
Create Date: 2026-12-07 14:10:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0016_fidelity_marker'
down_revision = '0015_ids_never_reused'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('fidelity_signals', schema=None) as batch_op:
        batch_op.add_column(sa.Column('source_marker', sa.String(length=64), nullable=True))


def downgrade():
    with op.batch_alter_table('fidelity_signals', schema=None) as batch_op:
        batch_op.drop_column('source_marker')
