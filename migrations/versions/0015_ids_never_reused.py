"""ids never reused (SQLite AUTOINCREMENT); the worker that claimed a job

On SQLite, AUTOINCREMENT for the tables whose rows are deleted while other rows, audit entries
or job payloads point at their ids.

Revision ID: 0015_ids_never_reused
Revises: 0014_scale_indexes
Create Date: 2026-12-07 13:00:00.000000

Without AUTOINCREMENT SQLite hands out max(id)+1, so deleting the newest row (a recording whose
consent was withdrawn) gives its id to the next insert, and anything still pointing at the old
id (a job's payload, an audit entry) then points at someone else's data. PostgreSQL sequences
never go back: there this migration only adds `jobs.worker_id`.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0015_ids_never_reused'
down_revision = '0014_scale_indexes'
branch_labels = None
depends_on = None

# See docs/architecture.md, "Ids are never reused", for why these tables.
TABLES = (
    'jobs',
    'recordings',
    'transcripts',
    'transcript_segments',
    'segment_edits',
    'mark_citations',
    'sensitive_flags',
    'fidelity_signals',
    'supervisor_assignments',
    'evaluation_relationships',
)


def _rebuild(autoincrement: bool) -> None:
    for table in TABLES:
        # recreate='always' copies the rows into a new table created with (or without)
        # AUTOINCREMENT; sqlite_sequence starts at the highest id there.
        with op.batch_alter_table(table, recreate='always',
                                  table_kwargs={'sqlite_autoincrement': autoincrement}):
            pass


def upgrade():
    with op.batch_alter_table('jobs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('worker_id', sa.String(length=128), nullable=True))
    if op.get_bind().dialect.name == 'sqlite':
        _rebuild(True)
        # A table whose newest rows were deleted before this migration: start above any id
        # an audit entry may still name (the highest id ever used is not known; the
        # highest in the audit log is).
        for table, object_type in (('recordings', 'recording'),
                                   ('supervisor_assignments', 'supervisor_assignment'),
                                   ('evaluation_relationships', 'evaluation_relationship')):
            op.execute(sa.text(
                "UPDATE sqlite_sequence SET seq = MAX(seq, COALESCE((SELECT MAX(CAST(object_id AS INTEGER)) "
                "FROM audit_entries WHERE object_type = :object_type), 0)) WHERE name = :table"
            ).bindparams(object_type=object_type, table=table))
            op.execute(sa.text(
                "INSERT INTO sqlite_sequence (name, seq) SELECT :table, COALESCE((SELECT "
                "MAX(CAST(object_id AS INTEGER)) FROM audit_entries WHERE object_type = :object_type), 0) "
                "WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = :table)"
            ).bindparams(object_type=object_type, table=table))


def downgrade():
    if op.get_bind().dialect.name == 'sqlite':
        _rebuild(False)
    with op.batch_alter_table('jobs', schema=None) as batch_op:
        batch_op.drop_column('worker_id')
