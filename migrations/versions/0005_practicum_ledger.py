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
    op.create_table(
        'practicum_programs',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('coached_min', sa.Float(), nullable=False),
        sa.Column('coached_max', sa.Float(), nullable=False),
        sa.Column('lab_min', sa.Float(), nullable=False),
        sa.Column('lab_max', sa.Float(), nullable=False),
        sa.Column('weeks_min', sa.Integer(), nullable=False),
        sa.Column('weeks_max', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_practicum_programs')),
        sa.UniqueConstraint('name', name=op.f('uq_practicum_programs_name')),
    )
    op.create_table(
        'practicum_enrolments',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('person_id', sa.Integer(), nullable=False),
        sa.Column('program_id', sa.Integer(), nullable=False),
        sa.Column('start_date', sa.Date(), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['created_by_id'], ['users.id'],
                                name=op.f('fk_practicum_enrolments_created_by_id_users'),
                                ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['person_id'], ['people.id'],
                                name=op.f('fk_practicum_enrolments_person_id_people'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['program_id'], ['practicum_programs.id'],
                                name=op.f('fk_practicum_enrolments_program_id_practicum_programs'),
                                ondelete='RESTRICT'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_practicum_enrolments')),
        sa.UniqueConstraint('person_id', name=op.f('uq_practicum_enrolments_person_id')),
    )
    with op.batch_alter_table('practicum_enrolments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_practicum_enrolments_program_id'), ['program_id'],
                              unique=False)
    op.create_table(
        'practicum_entries',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('person_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=32), nullable=False),
        sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('minutes', sa.Integer(), nullable=False),
        sa.Column('coachee_pseudonym', sa.String(length=64), nullable=True),
        sa.Column('pro_bono', sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column('is_group', sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column('group_size', sa.Integer(), nullable=True),
        sa.Column('triad_role', sa.String(length=16), nullable=True),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('review_comment', sa.Text(), nullable=False),
        sa.Column('reviewed_by_id', sa.Integer(), nullable=True),
        sa.Column('reviewed_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('trainee_reply', sa.Text(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['person_id'], ['people.id'],
                                name=op.f('fk_practicum_entries_person_id_people'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['reviewed_by_id'], ['users.id'],
                                name=op.f('fk_practicum_entries_reviewed_by_id_users'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_practicum_entries')),
    )
    with op.batch_alter_table('practicum_entries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_practicum_entries_person_id'), ['person_id'],
                              unique=False)
        batch_op.create_index(batch_op.f('ix_practicum_entries_starts_at'), ['starts_at'],
                              unique=False)
        batch_op.create_index(batch_op.f('ix_practicum_entries_status'), ['status'],
                              unique=False)


def downgrade():
    with op.batch_alter_table('practicum_entries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_practicum_entries_status'))
        batch_op.drop_index(batch_op.f('ix_practicum_entries_starts_at'))
        batch_op.drop_index(batch_op.f('ix_practicum_entries_person_id'))
    op.drop_table('practicum_entries')
    with op.batch_alter_table('practicum_enrolments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_practicum_enrolments_program_id'))
    op.drop_table('practicum_enrolments')
    op.drop_table('practicum_programs')
