"""supervision structure and audits

Revision ID: 0007_audits
Revises: 0006_practicum_supervision
Create Date: 2026-12-05 04:30:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0007_audits'
down_revision = '0006_practicum_supervision'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'supervision_events',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=32), nullable=False),
        sa.Column('title', sa.String(length=200), nullable=False),
        sa.Column('held_on', sa.Date(), nullable=False),
        sa.Column('attendee_person_ids', sa.JSON(), nullable=False),
        sa.Column('recorded_by_id', sa.Integer(), nullable=True),
        sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_table(
        'audit_samples',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('quarter', sa.String(length=8), nullable=False),
        sa.Column('seed', sa.BigInteger(), nullable=False),
        sa.Column('method_version', sa.String(length=32), nullable=False),
        sa.Column('percent', sa.Float(), nullable=False),
        sa.Column('override_reason', sa.String(length=500), nullable=False),
        sa.Column('population', sa.JSON(), nullable=False),
        sa.Column('drawn', sa.JSON(), nullable=False),
        sa.Column('drawn_by_id', sa.Integer(), nullable=True),
        sa.Column('drawn_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('superseded_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('superseded_reason', sa.String(length=500), nullable=False),
        sa.ForeignKeyConstraint(['drawn_by_id'], ['users.id'], ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_audit_samples_quarter', 'audit_samples', ['quarter'])
    op.create_table(
        'audits',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('sample_id', sa.Integer(), nullable=False),
        sa.Column('quarter', sa.String(length=8), nullable=False),
        sa.Column('coach_person_id', sa.Integer(), nullable=False),
        sa.Column('auditor_user_id', sa.Integer(), nullable=True),
        sa.Column('session_id', sa.Integer(), nullable=True),
        sa.Column('observed', sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column('scores', sa.JSON(), nullable=False),
        sa.Column('findings', sa.Text(), nullable=False),
        sa.Column('outcome', sa.String(length=32), nullable=True),
        sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('decided_by_id', sa.Integer(), nullable=True),
        sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('resolution_note', sa.String(length=1000), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['sample_id'], ['audit_samples.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['coach_person_id'], ['people.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['auditor_user_id'], ['users.id'], ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['session_id'], ['coaching_sessions.id'], ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('sample_id', 'coach_person_id'),
    )
    op.create_index('ix_audits_sample_id', 'audits', ['sample_id'])
    op.create_index('ix_audits_quarter', 'audits', ['quarter'])
    op.create_index('ix_audits_coach_person_id', 'audits', ['coach_person_id'])
    op.create_index('ix_audits_auditor_user_id', 'audits', ['auditor_user_id'])
    op.create_table(
        'corrective_actions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('audit_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=32), nullable=False),
        sa.Column('description', sa.String(length=1000), nullable=False),
        sa.Column('owner_user_id', sa.Integer(), nullable=True),
        sa.Column('due_on', sa.Date(), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('closing_note', sa.String(length=1000), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['audit_id'], ['audits.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['owner_user_id'], ['users.id'], ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_corrective_actions_audit_id', 'corrective_actions', ['audit_id'])


def downgrade():
    op.drop_index('ix_corrective_actions_audit_id', table_name='corrective_actions')
    op.drop_table('corrective_actions')
    for name in ('auditor_user_id', 'coach_person_id', 'quarter', 'sample_id'):
        op.drop_index(f'ix_audits_{name}', table_name='audits')
    op.drop_table('audits')
    op.drop_index('ix_audit_samples_quarter', table_name='audit_samples')
    op.drop_table('audit_samples')
    op.drop_table('supervision_events')
