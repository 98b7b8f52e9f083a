"""scale indexes: a trainee's ledger entries by status (issue 20)

Per-trainee sums and the verified-coachee count filter on person and status together; with
only the single-column indexes SQLite picked the status index (nearly every entry is
verified) and scanned half a million rows.

Revision ID: 0014_scale_indexes
Revises: 0013_home_dismissals
Create Date: 2026-12-07 13:45:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0014_scale_indexes'
down_revision = '0013_home_dismissals'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('practicum_entries', schema=None) as batch_op:
        batch_op.create_index('ix_practicum_entries_person_status', ['person_id', 'status'],
                              unique=False)


def downgrade():
    with op.batch_alter_table('practicum_entries', schema=None) as batch_op:
        batch_op.drop_index('ix_practicum_entries_person_status')
