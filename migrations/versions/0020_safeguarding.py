"""safeguarding: escalation cases, incidents, bias review items, people location and start date

Escalation cases (with their steps) raised from sensitive-topic flags or by hand; privacy
incidents and adverse effects; review items opened by the quarterly bias audit; and the
location and start date of people, for the audit's breakdowns by location and tenure band.

Revision ID: 0020_safeguarding
Revises: 0016_fidelity_marker
Create Date: 2026-12-07 15:59:06.262164

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0020_safeguarding'
down_revision = '0019_policy'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('bias_review_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('quarter', sa.String(length=8), nullable=False),
    sa.Column('section', sa.String(length=32), nullable=False),
    sa.Column('transition', sa.String(length=100), nullable=False),
    sa.Column('attribute', sa.String(length=64), nullable=False),
    sa.Column('group_label', sa.String(length=300), nullable=False),
    sa.Column('impact_ratio', sa.Float(), nullable=False),
    sa.Column('p_value', sa.Float(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=True),
    sa.Column('opened_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('closure_note', sa.Text(), nullable=False),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('closed_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['closed_by_id'], ['users.id'], name=op.f('fk_bias_review_items_closed_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], name=op.f('fk_bias_review_items_owner_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_bias_review_items')),
    sa.UniqueConstraint('quarter', 'section', 'transition', 'attribute', 'group_label', name='uq_bias_review_items_gap')
    )
    with op.batch_alter_table('bias_review_items', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_bias_review_items_quarter'), ['quarter'], unique=False)
        batch_op.create_index(batch_op.f('ix_bias_review_items_status'), ['status'], unique=False)

    op.create_table('safeguarding_incidents',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=24), nullable=False),
    sa.Column('severity', sa.String(length=16), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('occurred_on', sa.Date(), nullable=False),
    sa.Column('follow_up', sa.Text(), nullable=False),
    sa.Column('follow_up_due', sa.Date(), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('closure_note', sa.Text(), nullable=False),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('closed_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['closed_by_id'], ['users.id'], name=op.f('fk_safeguarding_incidents_closed_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_safeguarding_incidents_recorded_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_safeguarding_incidents'))
    )
    with op.batch_alter_table('safeguarding_incidents', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_safeguarding_incidents_kind'), ['kind'], unique=False)
        batch_op.create_index(batch_op.f('ix_safeguarding_incidents_occurred_on'), ['occurred_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_safeguarding_incidents_severity'), ['severity'], unique=False)
        batch_op.create_index(batch_op.f('ix_safeguarding_incidents_status'), ['status'], unique=False)

    op.create_table('escalation_cases',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('category', sa.String(length=32), nullable=False),
    sa.Column('source', sa.String(length=16), nullable=False),
    sa.Column('sensitive_flag_id', sa.Integer(), nullable=True),
    sa.Column('coach_person_id', sa.Integer(), nullable=True),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=True),
    sa.Column('raised_by_id', sa.Integer(), nullable=True),
    sa.Column('raised_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('path_version', sa.Integer(), nullable=False),
    sa.Column('taken_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('outcome', sa.String(length=16), nullable=True),
    sa.Column('closure_note', sa.Text(), nullable=False),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('closed_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['closed_by_id'], ['users.id'], name=op.f('fk_escalation_cases_closed_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['coach_person_id'], ['people.id'], name=op.f('fk_escalation_cases_coach_person_id_people'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], name=op.f('fk_escalation_cases_owner_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['raised_by_id'], ['users.id'], name=op.f('fk_escalation_cases_raised_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['sensitive_flag_id'], ['sensitive_flags.id'], name=op.f('fk_escalation_cases_sensitive_flag_id_sensitive_flags'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_escalation_cases')),
    sa.UniqueConstraint('sensitive_flag_id', name=op.f('uq_escalation_cases_sensitive_flag_id'))
    )
    with op.batch_alter_table('escalation_cases', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_escalation_cases_category'), ['category'], unique=False)
        batch_op.create_index(batch_op.f('ix_escalation_cases_coach_person_id'), ['coach_person_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_escalation_cases_owner_id'), ['owner_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_escalation_cases_raised_at'), ['raised_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_escalation_cases_status'), ['status'], unique=False)

    op.create_table('escalation_steps',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=32), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('done_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('done_by_id', sa.Integer(), nullable=True),
    sa.Column('not_needed', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['escalation_cases.id'], name=op.f('fk_escalation_steps_case_id_escalation_cases'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['done_by_id'], ['users.id'], name=op.f('fk_escalation_steps_done_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_escalation_steps')),
    sa.UniqueConstraint('case_id', 'position', name=op.f('uq_escalation_steps_case_id_position'))
    )
    with op.batch_alter_table('escalation_steps', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_escalation_steps_case_id'), ['case_id'], unique=False)

    with op.batch_alter_table('people', schema=None) as batch_op:
        batch_op.add_column(sa.Column('location', sa.String(length=200), server_default='', nullable=False))
        batch_op.add_column(sa.Column('hired_on', sa.Date(), nullable=True))



def downgrade():
    with op.batch_alter_table('people', schema=None) as batch_op:
        batch_op.drop_column('hired_on')
        batch_op.drop_column('location')

    with op.batch_alter_table('escalation_steps', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_escalation_steps_case_id'))

    op.drop_table('escalation_steps')
    with op.batch_alter_table('escalation_cases', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_escalation_cases_status'))
        batch_op.drop_index(batch_op.f('ix_escalation_cases_raised_at'))
        batch_op.drop_index(batch_op.f('ix_escalation_cases_owner_id'))
        batch_op.drop_index(batch_op.f('ix_escalation_cases_coach_person_id'))
        batch_op.drop_index(batch_op.f('ix_escalation_cases_category'))

    op.drop_table('escalation_cases')
    with op.batch_alter_table('safeguarding_incidents', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_safeguarding_incidents_status'))
        batch_op.drop_index(batch_op.f('ix_safeguarding_incidents_severity'))
        batch_op.drop_index(batch_op.f('ix_safeguarding_incidents_occurred_on'))
        batch_op.drop_index(batch_op.f('ix_safeguarding_incidents_kind'))

    op.drop_table('safeguarding_incidents')
    with op.batch_alter_table('bias_review_items', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_bias_review_items_status'))
        batch_op.drop_index(batch_op.f('ix_bias_review_items_quarter'))

    op.drop_table('bias_review_items')
