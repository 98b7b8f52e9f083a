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
    op.create_table('certification_decisions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('level', sa.String(length=32), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('levels_version', sa.Integer(), nullable=False),
    sa.Column('criteria_snapshot', sa.JSON(), nullable=False),
    sa.Column('criteria_met', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('renews_certification_id', sa.Integer(), nullable=True),
    sa.Column('review_rubric_id', sa.String(length=64), nullable=True),
    sa.Column('review_rubric_version', sa.Integer(), nullable=True),
    sa.Column('review_marks', sa.JSON(), nullable=True),
    sa.Column('review_score', sa.Float(), nullable=True),
    sa.Column('review_passed', sa.Boolean(), nullable=True),
    sa.Column('master_approver_id', sa.Integer(), nullable=True),
    sa.Column('master_approved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('admin_approver_id', sa.Integer(), nullable=True),
    sa.Column('admin_approved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('override', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('override_reason', sa.Text(), nullable=True),
    sa.Column('override_by_id', sa.Integer(), nullable=True),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['admin_approver_id'], ['users.id'], name=op.f('fk_certification_decisions_admin_approver_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_certification_decisions_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['master_approver_id'], ['users.id'], name=op.f('fk_certification_decisions_master_approver_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['override_by_id'], ['users.id'], name=op.f('fk_certification_decisions_override_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_certification_decisions_person_id_people'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_certification_decisions'))
    )
    with op.batch_alter_table('certification_decisions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_certification_decisions_override'), ['override'], unique=False)
        batch_op.create_index(batch_op.f('ix_certification_decisions_person_id'), ['person_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_certification_decisions_renews_certification_id'), ['renews_certification_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_certification_decisions_status'), ['status'], unique=False)

    op.create_table('certification_evidence',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('reviewer_person_id', sa.Integer(), nullable=True),
    sa.Column('recorded_on', sa.Date(), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_certification_evidence_person_id_people'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_certification_evidence_recorded_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['reviewer_person_id'], ['people.id'], name=op.f('fk_certification_evidence_reviewer_person_id_people'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_certification_evidence'))
    )
    with op.batch_alter_table('certification_evidence', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_certification_evidence_person_id'), ['person_id'], unique=False)

    op.create_table('certifications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('level', sa.String(length=32), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('issued_on', sa.Date(), nullable=False),
    sa.Column('valid_until', sa.Date(), nullable=False),
    sa.Column('last_recertified_on', sa.Date(), nullable=True),
    sa.Column('verification_code', sa.String(length=64), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revoked_reason', sa.Text(), nullable=True),
    sa.Column('revoked_by_id', sa.Integer(), nullable=True),
    sa.Column('lapsed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('superseded_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decision_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['decision_id'], ['certification_decisions.id'], name=op.f('fk_certifications_decision_id_certification_decisions'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_certifications_person_id_people'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['revoked_by_id'], ['users.id'], name=op.f('fk_certifications_revoked_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_certifications'))
    )
    with op.batch_alter_table('certifications', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_certifications_decision_id'), ['decision_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_certifications_person_id'), ['person_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_certifications_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_certifications_valid_until'), ['valid_until'], unique=False)
        batch_op.create_index(batch_op.f('ix_certifications_verification_code'), ['verification_code'], unique=True)

    op.create_table('certification_reminders',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('certification_id', sa.Integer(), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('days_before', sa.Integer(), nullable=False),
    sa.Column('recipients', sa.Integer(), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['certification_id'], ['certifications.id'], name=op.f('fk_certification_reminders_certification_id_certifications'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_certification_reminders')),
    sa.UniqueConstraint('certification_id', 'due_on', 'days_before', name=op.f('uq_certification_reminders_certification_id_due_on_days_before'))
    )
    with op.batch_alter_table('certification_reminders', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_certification_reminders_certification_id'), ['certification_id'], unique=False)



def downgrade():
    with op.batch_alter_table('certification_reminders', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_certification_reminders_certification_id'))

    op.drop_table('certification_reminders')
    with op.batch_alter_table('certifications', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_certifications_verification_code'))
        batch_op.drop_index(batch_op.f('ix_certifications_valid_until'))
        batch_op.drop_index(batch_op.f('ix_certifications_status'))
        batch_op.drop_index(batch_op.f('ix_certifications_person_id'))
        batch_op.drop_index(batch_op.f('ix_certifications_decision_id'))

    op.drop_table('certifications')
    with op.batch_alter_table('certification_evidence', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_certification_evidence_person_id'))

    op.drop_table('certification_evidence')
    with op.batch_alter_table('certification_decisions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_certification_decisions_status'))
        batch_op.drop_index(batch_op.f('ix_certification_decisions_renews_certification_id'))
        batch_op.drop_index(batch_op.f('ix_certification_decisions_person_id'))
        batch_op.drop_index(batch_op.f('ix_certification_decisions_override'))

    op.drop_table('certification_decisions')
