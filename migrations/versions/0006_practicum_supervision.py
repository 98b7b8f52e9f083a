"""practicum supervision, capstone, gates

Revision ID: 0006_practicum_supervision
Revises: 0005_practicum_ledger
Create Date: 2026-12-05 04:30:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0006_practicum_supervision'
down_revision = '0005_practicum_ledger'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'supervision_feedback',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('assessment_id', sa.Integer(), nullable=False),
        sa.Column('trainee_person_id', sa.Integer(), nullable=False),
        sa.Column('author_id', sa.Integer(), nullable=True),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('written_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['assessment_id'], ['assessments.id'],
                                name=op.f('fk_supervision_feedback_assessment_id_assessments'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['trainee_person_id'], ['people.id'],
                                name=op.f('fk_supervision_feedback_trainee_person_id_people'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['author_id'], ['users.id'],
                                name=op.f('fk_supervision_feedback_author_id_users'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_supervision_feedback')),
        sa.UniqueConstraint('assessment_id', name=op.f('uq_supervision_feedback_assessment_id')),
    )
    op.create_index(op.f('ix_supervision_feedback_trainee_person_id'), 'supervision_feedback',
                    ['trainee_person_id'])
    op.create_table(
        'supervision_one_on_ones',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('trainee_person_id', sa.Integer(), nullable=False),
        sa.Column('supervisor_user_id', sa.Integer(), nullable=False),
        sa.Column('assessment_id', sa.Integer(), nullable=True),
        sa.Column('held_on', sa.Date(), nullable=False),
        sa.Column('notes', sa.Text(), nullable=False),
        sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['trainee_person_id'], ['people.id'],
                                name=op.f('fk_supervision_one_on_ones_trainee_person_id_people'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['supervisor_user_id'], ['users.id'],
                                name=op.f('fk_supervision_one_on_ones_supervisor_user_id_users'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['assessment_id'], ['assessments.id'],
                                name=op.f('fk_supervision_one_on_ones_assessment_id_assessments'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_supervision_one_on_ones')),
    )
    for column in ('trainee_person_id', 'supervisor_user_id', 'assessment_id'):
        op.create_index(op.f(f'ix_supervision_one_on_ones_{column}'), 'supervision_one_on_ones',
                        [column])
    op.create_table(
        'supervision_gate_decisions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('trainee_person_id', sa.Integer(), nullable=False),
        sa.Column('gate', sa.String(length=16), nullable=False),
        sa.Column('outcome', sa.String(length=32), nullable=False),
        sa.Column('note', sa.Text(), nullable=False),
        sa.Column('checklist', sa.JSON(), nullable=False),
        sa.Column('decided_by_id', sa.Integer(), nullable=True),
        sa.Column('decided_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ['trainee_person_id'], ['people.id'],
            name=op.f('fk_supervision_gate_decisions_trainee_person_id_people'),
            ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'],
                                name=op.f('fk_supervision_gate_decisions_decided_by_id_users'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_supervision_gate_decisions')),
    )
    op.create_index(op.f('ix_supervision_gate_decisions_trainee_person_id'),
                    'supervision_gate_decisions', ['trainee_person_id'])


def downgrade():
    op.drop_table('supervision_gate_decisions')
    op.drop_table('supervision_one_on_ones')
    op.drop_table('supervision_feedback')
