"""program outcomes: charter, decision gates and their history, pseudonymised leaders and
their dated tier 2–3 observations (issue 23)

Revision ID: 0017_program
Revises: 0016_fidelity_marker
Create Date: 2026-12-07 16:10:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0017_program'
down_revision = '0016_fidelity_marker'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('program_charters',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('kpi_name', sa.String(length=200), nullable=False),
    sa.Column('kpi_unit', sa.String(length=64), nullable=False),
    sa.Column('behaviour', sa.Text(), nullable=False),
    sa.Column('higher_is_better', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('baseline', sa.Float(), nullable=False),
    sa.Column('baseline_source', sa.String(length=300), nullable=False),
    sa.Column('data_owner', sa.String(length=200), nullable=False),
    sa.Column('target_6m', sa.Float(), nullable=False),
    sa.Column('target_12m', sa.Float(), nullable=False),
    sa.Column('sponsor', sa.String(length=200), nullable=False),
    sa.Column('resource_model', sa.String(length=32), nullable=False),
    sa.Column('phase', sa.String(length=32), nullable=False),
    sa.Column('pilot_start', sa.Date(), nullable=True),
    sa.Column('cohort_size', sa.Integer(), nullable=False),
    sa.Column('session_cap', sa.Integer(), nullable=False),
    sa.Column('protected_hours_per_week', sa.Float(), nullable=False),
    sa.Column('comparison_group', sa.Text(), nullable=False),
    sa.Column('isolation_method', sa.String(length=32), nullable=False),
    sa.Column('currency', sa.String(length=8), nullable=False),
    sa.Column('training_cost', sa.Float(), nullable=False),
    sa.Column('supervision_hours', sa.Float(), nullable=False),
    sa.Column('supervision_rate', sa.Float(), nullable=False),
    sa.Column('platform_fees', sa.Float(), nullable=False),
    sa.Column('coaches', sa.Integer(), nullable=False),
    sa.Column('coach_time_share', sa.Float(), nullable=False),
    sa.Column('coach_loaded_cost', sa.Float(), nullable=False),
    sa.Column('admin_hours', sa.Float(), nullable=False),
    sa.Column('admin_rate', sa.Float(), nullable=False),
    sa.Column('cost_months', sa.Integer(), nullable=False),
    sa.Column('value_per_unit', sa.Float(), nullable=False),
    sa.Column('value_low', sa.Float(), nullable=False),
    sa.Column('value_high', sa.Float(), nullable=False),
    sa.Column('benefit_months', sa.Integer(), nullable=False),
    sa.Column('monetisation_rule', sa.Text(), nullable=False),
    sa.Column('intangibles', sa.Text(), nullable=False),
    sa.Column('checklist', sa.JSON(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], name=op.f('fk_program_charters_updated_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_program_charters'))
    )
    op.create_table('program_gates',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('charter_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('criteria', sa.JSON(), nullable=False),
    sa.Column('decision', sa.String(length=16), nullable=True),
    sa.Column('decision_reason', sa.Text(), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['charter_id'], ['program_charters.id'], name=op.f('fk_program_gates_charter_id_program_charters'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_program_gates_decided_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_program_gates'))
    )
    with op.batch_alter_table('program_gates', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_program_gates_charter_id'), ['charter_id'], unique=False)

    op.create_table('program_gate_changes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('gate_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('locked', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('before', sa.JSON(), nullable=False),
    sa.Column('after', sa.JSON(), nullable=False),
    sa.Column('changed_by_id', sa.Integer(), nullable=True),
    sa.Column('changed_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['changed_by_id'], ['users.id'], name=op.f('fk_program_gate_changes_changed_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['gate_id'], ['program_gates.id'], name=op.f('fk_program_gate_changes_gate_id_program_gates'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_program_gate_changes'))
    )
    with op.batch_alter_table('program_gate_changes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_program_gate_changes_gate_id'), ['gate_id'], unique=False)

    op.create_table('program_leaders',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('pseudonym', sa.String(length=32), nullable=False),
    sa.Column('group', sa.String(length=16), nullable=False),
    sa.Column('department', sa.String(length=200), nullable=False),
    sa.Column('level', sa.String(length=64), nullable=False),
    sa.Column('cohort', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_program_leaders')),
    sa.UniqueConstraint('pseudonym', name=op.f('uq_program_leaders_pseudonym'))
    )
    with op.batch_alter_table('program_leaders', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_program_leaders_group'), ['group'], unique=False)

    op.create_table('program_observations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('leader_id', sa.Integer(), nullable=False),
    sa.Column('tier', sa.Integer(), nullable=False),
    sa.Column('metric', sa.String(length=64), nullable=False),
    sa.Column('observed_on', sa.Date(), nullable=False),
    sa.Column('value', sa.Float(), nullable=False),
    sa.Column('source', sa.String(length=200), nullable=False),
    sa.Column('imported_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['leader_id'], ['program_leaders.id'], name=op.f('fk_program_observations_leader_id_program_leaders'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_program_observations')),
    sa.UniqueConstraint('leader_id', 'metric', 'observed_on', name=op.f('uq_program_observations_leader_id_metric_observed_on'))
    )
    with op.batch_alter_table('program_observations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_program_observations_leader_id'), ['leader_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_program_observations_metric'), ['metric'], unique=False)


def downgrade():
    with op.batch_alter_table('program_observations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_program_observations_metric'))
        batch_op.drop_index(batch_op.f('ix_program_observations_leader_id'))
    op.drop_table('program_observations')
    with op.batch_alter_table('program_leaders', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_program_leaders_group'))
    op.drop_table('program_leaders')
    with op.batch_alter_table('program_gate_changes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_program_gate_changes_gate_id'))
    op.drop_table('program_gate_changes')
    with op.batch_alter_table('program_gates', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_program_gates_charter_id'))
    op.drop_table('program_gates')
    op.drop_table('program_charters')
