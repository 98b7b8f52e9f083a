"""scale indexes: a trainee's ledger entries by status (issue 20)

Per-trainee sums and the verified-coachee count filter on person and status together; with
only the single-column indexes SQLite picked the status index (nearly every entry is
verified) and scanned half a million rows.

Revision ID: 0012_scale_indexes
Revises: 0011_recertification
Create Date: 2026-12-07 13:45:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0012_scale_indexes'
down_revision = '0011_recertification'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('practicum_entries', schema=None) as batch_op:
        batch_op.create_index('ix_practicum_entries_person_status', ['person_id', 'status'],
                              unique=False)


def downgrade():
    with op.batch_alter_table('practicum_entries', schema=None) as batch_op:
        batch_op.drop_index('ix_practicum_entries_person_status')
