"""recertification: the evidence review assessment on a decision, cycle evidence per certification

Revision ID: 0011_recertification
Revises: 0010_practicum_capstone
Create Date: 2026-12-06 19:45:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0011_recertification'
down_revision = '0010_practicum_capstone'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('certification_decisions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('review_assessment_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_certification_decisions_review_assessment_id'),
                              ['review_assessment_id'], unique=False)
        batch_op.create_foreign_key(
            batch_op.f('fk_certification_decisions_review_assessment_id_assessments'),
            'assessments', ['review_assessment_id'], ['id'], ondelete='SET NULL')

    with op.batch_alter_table('certification_evidence', schema=None) as batch_op:
        batch_op.add_column(sa.Column('certification_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_certification_evidence_certification_id'),
                              ['certification_id'], unique=False)
        batch_op.create_foreign_key(
            batch_op.f('fk_certification_evidence_certification_id_certifications'),
            'certifications', ['certification_id'], ['id'], ondelete='CASCADE')


def downgrade():
    with op.batch_alter_table('certification_evidence', schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f('fk_certification_evidence_certification_id_certifications'),
            type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_certification_evidence_certification_id'))
        batch_op.drop_column('certification_id')

    with op.batch_alter_table('certification_decisions', schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f('fk_certification_decisions_review_assessment_id_assessments'),
            type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_certification_decisions_review_assessment_id'))
        batch_op.drop_column('review_assessment_id')
