"""practicum capstone brief versions and peer triads (with their rounds)

Revision ID: 0010_practicum_capstone
Revises: 0009_certification
Create Date: 2026-12-06 19:52:54.773579

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0010_practicum_capstone'
down_revision = '0009_certification'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('practicum_triads',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('program_id', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_practicum_triads_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['program_id'], ['practicum_programs.id'], name=op.f('fk_practicum_triads_program_id_practicum_programs'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_practicum_triads'))
    )
    with op.batch_alter_table('practicum_triads', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_practicum_triads_program_id'), ['program_id'], unique=False)

    op.create_table('practicum_triad_members',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('triad_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_practicum_triad_members_person_id_people'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['triad_id'], ['practicum_triads.id'], name=op.f('fk_practicum_triad_members_triad_id_practicum_triads'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_practicum_triad_members')),
    sa.UniqueConstraint('triad_id', 'person_id', name=op.f('uq_practicum_triad_members_triad_id_person_id')),
    sa.UniqueConstraint('triad_id', 'position', name=op.f('uq_practicum_triad_members_triad_id_position'))
    )
    with op.batch_alter_table('practicum_triad_members', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_practicum_triad_members_person_id'), ['person_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_practicum_triad_members_triad_id'), ['triad_id'], unique=False)

    op.create_table('practicum_triad_rounds',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('triad_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('held_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('minutes', sa.Integer(), nullable=False),
    sa.Column('coach_person_id', sa.Integer(), nullable=False),
    sa.Column('client_person_id', sa.Integer(), nullable=False),
    sa.Column('observer_person_id', sa.Integer(), nullable=False),
    sa.Column('feedback', sa.Text(), nullable=False),
    sa.Column('ledger_entry_ids', sa.JSON(), nullable=False),
    sa.Column('logged_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['client_person_id'], ['people.id'], name=op.f('fk_practicum_triad_rounds_client_person_id_people'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['coach_person_id'], ['people.id'], name=op.f('fk_practicum_triad_rounds_coach_person_id_people'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['logged_by_id'], ['users.id'], name=op.f('fk_practicum_triad_rounds_logged_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['observer_person_id'], ['people.id'], name=op.f('fk_practicum_triad_rounds_observer_person_id_people'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['triad_id'], ['practicum_triads.id'], name=op.f('fk_practicum_triad_rounds_triad_id_practicum_triads'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_practicum_triad_rounds')),
    sa.UniqueConstraint('triad_id', 'number', name=op.f('uq_practicum_triad_rounds_triad_id_number'))
    )
    with op.batch_alter_table('practicum_triad_rounds', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_practicum_triad_rounds_client_person_id'), ['client_person_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_practicum_triad_rounds_coach_person_id'), ['coach_person_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_practicum_triad_rounds_observer_person_id'), ['observer_person_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_practicum_triad_rounds_triad_id'), ['triad_id'], unique=False)

    op.create_table('practicum_capstone_briefs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('engagement_id', sa.Integer(), nullable=True),
    sa.Column('format', sa.String(length=16), nullable=False),
    sa.Column('body_markdown', sa.Text(), nullable=False),
    sa.Column('storage_name', sa.String(length=64), nullable=True),
    sa.Column('file_name', sa.String(length=200), nullable=True),
    sa.Column('file_bytes', sa.Integer(), nullable=True),
    sa.Column('page_count', sa.Integer(), nullable=True),
    sa.Column('word_count', sa.Integer(), nullable=False),
    sa.Column('kpi_name', sa.String(length=200), nullable=False),
    sa.Column('kpi_baseline', sa.String(length=100), nullable=False),
    sa.Column('kpi_target', sa.String(length=100), nullable=False),
    sa.Column('kpi_source', sa.String(length=200), nullable=False),
    sa.Column('objectives', sa.Text(), nullable=False),
    sa.Column('evidence_item_id', sa.Integer(), nullable=False),
    sa.Column('assessment_id', sa.Integer(), nullable=False),
    sa.Column('rater_note', sa.Text(), nullable=False),
    sa.Column('submitted_by_id', sa.Integer(), nullable=True),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['assessment_id'], ['assessments.id'], name=op.f('fk_practicum_capstone_briefs_assessment_id_assessments'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['engagement_id'], ['engagements.id'], name=op.f('fk_practicum_capstone_briefs_engagement_id_engagements'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['evidence_item_id'], ['evidence_items.id'], name=op.f('fk_practicum_capstone_briefs_evidence_item_id_evidence_items'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_practicum_capstone_briefs_person_id_people'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['submitted_by_id'], ['users.id'], name=op.f('fk_practicum_capstone_briefs_submitted_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_practicum_capstone_briefs')),
    sa.UniqueConstraint('assessment_id', name=op.f('uq_practicum_capstone_briefs_assessment_id')),
    sa.UniqueConstraint('person_id', 'version', name=op.f('uq_practicum_capstone_briefs_person_id_version'))
    )
    with op.batch_alter_table('practicum_capstone_briefs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_practicum_capstone_briefs_engagement_id'), ['engagement_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_practicum_capstone_briefs_evidence_item_id'), ['evidence_item_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_practicum_capstone_briefs_person_id'), ['person_id'], unique=False)



def downgrade():
    with op.batch_alter_table('practicum_capstone_briefs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_practicum_capstone_briefs_person_id'))
        batch_op.drop_index(batch_op.f('ix_practicum_capstone_briefs_evidence_item_id'))
        batch_op.drop_index(batch_op.f('ix_practicum_capstone_briefs_engagement_id'))

    op.drop_table('practicum_capstone_briefs')
    with op.batch_alter_table('practicum_triad_rounds', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_practicum_triad_rounds_triad_id'))
        batch_op.drop_index(batch_op.f('ix_practicum_triad_rounds_observer_person_id'))
        batch_op.drop_index(batch_op.f('ix_practicum_triad_rounds_coach_person_id'))
        batch_op.drop_index(batch_op.f('ix_practicum_triad_rounds_client_person_id'))

    op.drop_table('practicum_triad_rounds')
    with op.batch_alter_table('practicum_triad_members', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_practicum_triad_members_triad_id'))
        batch_op.drop_index(batch_op.f('ix_practicum_triad_members_person_id'))

    op.drop_table('practicum_triad_members')
    with op.batch_alter_table('practicum_triads', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_practicum_triads_program_id'))

    op.drop_table('practicum_triads')
