"""home dismissals: attention items a user has hidden

Revision ID: 0013_home_dismissals
Revises: 0012_password_reset
Create Date: 2026-12-07 13:50:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0013_home_dismissals'
down_revision = '0012_password_reset'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'home_dismissals',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('key', sa.String(length=128), nullable=False),
        sa.Column('dismissed_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'],
                                name=op.f('fk_home_dismissals_user_id_users'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_home_dismissals')),
        sa.UniqueConstraint('user_id', 'key', name=op.f('uq_home_dismissals_user_id_key')),
    )
    with op.batch_alter_table('home_dismissals', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_home_dismissals_user_id'), ['user_id'],
                              unique=False)


def downgrade():
    with op.batch_alter_table('home_dismissals', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_home_dismissals_user_id'))
    op.drop_table('home_dismissals')
