"""policy: acknowledgements of the published policy, opt-outs, batch runs

Revision ID: 0019_policy
Revises: 0016_fidelity_marker
Create Date: 2026-12-07 16:10:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0019_policy'
down_revision = '0018_personal_data'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'policy_acknowledgements',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('use_cases_version', sa.Integer(), nullable=False),
        sa.Column('data_use_version', sa.Integer(), nullable=False),
        sa.Column('acknowledged_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'],
                                name=op.f('fk_policy_acknowledgements_user_id_users'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_policy_acknowledgements')),
        sa.UniqueConstraint('user_id', 'use_cases_version', 'data_use_version',
                            name=op.f('uq_policy_acknowledgements_user_id_use_cases_version_data_use_version')),
    )
    with op.batch_alter_table('policy_acknowledgements', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_policy_acknowledgements_user_id'), ['user_id'],
                              unique=False)
    op.create_table(
        'opt_outs',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('person_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('recorded_by_id', sa.Integer(), nullable=True),
        sa.Column('reason', sa.String(length=500), nullable=False),
        sa.ForeignKeyConstraint(['person_id'], ['people.id'],
                                name=op.f('fk_opt_outs_person_id_people'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'],
                                name=op.f('fk_opt_outs_recorded_by_id_users'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_opt_outs')),
        sa.UniqueConstraint('person_id', 'kind', name=op.f('uq_opt_outs_person_id_kind')),
    )
    with op.batch_alter_table('opt_outs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_opt_outs_person_id'), ['person_id'], unique=False)
        batch_op.create_index('ix_opt_outs_kind_ended_at', ['kind', 'ended_at'], unique=False)
    op.create_table(
        'batch_runs',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('batch', sa.String(length=64), nullable=False),
        sa.Column('finished_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('via', sa.String(length=32), nullable=False),
        sa.Column('counts', sa.JSON(), nullable=False),
        sa.Column('failures', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_batch_runs')),
    )
    with op.batch_alter_table('batch_runs', schema=None) as batch_op:
        batch_op.create_index('ix_batch_runs_batch_finished_at', ['batch', 'finished_at'],
                              unique=False)


def downgrade():
    with op.batch_alter_table('batch_runs', schema=None) as batch_op:
        batch_op.drop_index('ix_batch_runs_batch_finished_at')
    op.drop_table('batch_runs')
    with op.batch_alter_table('opt_outs', schema=None) as batch_op:
        batch_op.drop_index('ix_opt_outs_kind_ended_at')
        batch_op.drop_index(batch_op.f('ix_opt_outs_person_id'))
    op.drop_table('opt_outs')
    with op.batch_alter_table('policy_acknowledgements', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_policy_acknowledgements_user_id'))
    op.drop_table('policy_acknowledgements')
