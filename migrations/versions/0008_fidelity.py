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
    op.create_table('fidelity_signals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('transcript_id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('coach_person_id', sa.Integer(), nullable=False),
    sa.Column('session_date', sa.Date(), nullable=False),
    sa.Column('fingerprint', sa.String(length=64), nullable=False),
    sa.Column('coach_turns', sa.Integer(), nullable=False),
    sa.Column('questions', sa.Integer(), nullable=False),
    sa.Column('advice', sa.Integer(), nullable=False),
    sa.Column('reflections', sa.Integer(), nullable=False),
    sa.Column('other', sa.Integer(), nullable=False),
    sa.Column('question_share', sa.Float(), nullable=True),
    sa.Column('question_ratio', sa.Float(), nullable=True),
    sa.Column('reflection_share', sa.Float(), nullable=True),
    sa.Column('listening_ratio', sa.Float(), nullable=True),
    sa.Column('talk_share', sa.Float(), nullable=True),
    sa.Column('talk_basis', sa.String(length=16), nullable=False),
    sa.Column('computed_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['coach_person_id'], ['people.id'], name=op.f('fk_fidelity_signals_coach_person_id_people'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['session_id'], ['coaching_sessions.id'], name=op.f('fk_fidelity_signals_session_id_coaching_sessions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['transcript_id'], ['transcripts.id'], name=op.f('fk_fidelity_signals_transcript_id_transcripts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_fidelity_signals')),
    sa.UniqueConstraint('transcript_id', name=op.f('uq_fidelity_signals_transcript_id'))
    )
    with op.batch_alter_table('fidelity_signals', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_fidelity_signals_coach_person_id'), ['coach_person_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_fidelity_signals_session_id'), ['session_id'], unique=False)

    op.create_table('fidelity_drift_flags',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('coach_person_id', sa.Integer(), nullable=False),
    sa.Column('signal', sa.String(length=32), nullable=False),
    sa.Column('line', sa.Float(), nullable=False),
    sa.Column('trigger_session_id', sa.Integer(), nullable=False),
    sa.Column('session_ids', sa.JSON(), nullable=False),
    sa.Column('run_values', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('opened_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('resolved_by_id', sa.Integer(), nullable=True),
    sa.Column('resolution_note', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['coach_person_id'], ['people.id'], name=op.f('fk_fidelity_drift_flags_coach_person_id_people'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['resolved_by_id'], ['users.id'], name=op.f('fk_fidelity_drift_flags_resolved_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['trigger_session_id'], ['coaching_sessions.id'], name=op.f('fk_fidelity_drift_flags_trigger_session_id_coaching_sessions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_fidelity_drift_flags')),
    sa.UniqueConstraint('coach_person_id', 'signal', 'trigger_session_id', name=op.f('uq_fidelity_drift_flags_coach_person_id_signal_trigger_session_id'))
    )
    with op.batch_alter_table('fidelity_drift_flags', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_fidelity_drift_flags_coach_person_id'), ['coach_person_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_fidelity_drift_flags_status'), ['status'], unique=False)


def downgrade():
    with op.batch_alter_table('fidelity_drift_flags', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_fidelity_drift_flags_status'))
        batch_op.drop_index(batch_op.f('ix_fidelity_drift_flags_coach_person_id'))
    op.drop_table('fidelity_drift_flags')
    with op.batch_alter_table('fidelity_signals', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_fidelity_signals_session_id'))
        batch_op.drop_index(batch_op.f('ix_fidelity_signals_coach_person_id'))
    op.drop_table('fidelity_signals')
