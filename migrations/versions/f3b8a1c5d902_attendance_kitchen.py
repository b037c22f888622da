"""Attendance (pointage) per child, unit and day; the central kitchen's settings, orders sent, adults' meals

Revision ID: f3b8a1c5d902
Revises: 51d1e00c59e6
Create Date: 2026-12-03 13:00:00

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = 'f3b8a1c5d902'
down_revision = '51d1e00c59e6'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'attendance',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('child_id', sa.Integer(), nullable=False),
        sa.Column('unit_id', sa.Integer(), nullable=False),
        sa.Column('date', sa.Date(), nullable=False),
        sa.Column('status', sa.String(length=10), nullable=False),
        sa.Column('booked', sa.Boolean(), nullable=False),
        sa.Column('marked_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('marked_by_id', sa.Integer(), nullable=True),
        sa.CheckConstraint("status IN ('present','absent')", name=op.f('ck_attendance_status')),
        sa.ForeignKeyConstraint(['child_id'], ['person.id'], name=op.f('fk_attendance_child_id_person'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['marked_by_id'], ['user.id'], name=op.f('fk_attendance_marked_by_id_user'),
                                ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_attendance_unit_id_unit'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_attendance')),
        sa.UniqueConstraint('child_id', 'unit_id', 'date', name=op.f('uq_attendance_child_id_unit_id_date')),
    )
    op.create_index('ix_attendance_unit_date', 'attendance', ['unit_id', 'date'], unique=False)
    op.create_table(
        'kitchen_settings',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('email', sa.String(length=254), nullable=False),
        sa.Column('indicative_days', sa.Integer(), nullable=False),
        sa.Column('firm_days', sa.Integer(), nullable=False),
        sa.Column('cutoff', sa.Time(), nullable=False),
        sa.CheckConstraint('firm_days >= 0 AND indicative_days >= firm_days', name=op.f('ck_kitchen_settings_days')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_kitchen_settings')),
    )
    op.create_table(
        'kitchen_order',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('date', sa.Date(), nullable=False),
        sa.Column('stage', sa.String(length=10), nullable=False),
        sa.Column('counts', sa.Text(), nullable=False),
        sa.Column('sent_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('recipient', sa.String(length=254), nullable=False),
        sa.CheckConstraint("stage IN ('indicative','firm','update')", name=op.f('ck_kitchen_order_stage')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_kitchen_order')),
    )
    op.create_index('ix_kitchen_order_date', 'kitchen_order', ['date', 'sent_at'], unique=False)
    op.create_table(
        'adult_meal',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('school_id', sa.Integer(), nullable=False),
        sa.Column('date', sa.Date(), nullable=False),
        sa.Column('count', sa.Integer(), nullable=False),
        sa.CheckConstraint('count >= 0', name=op.f('ck_adult_meal_count')),
        sa.ForeignKeyConstraint(['school_id'], ['school.id'], name=op.f('fk_adult_meal_school_id_school'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_adult_meal')),
        sa.UniqueConstraint('school_id', 'date', name=op.f('uq_adult_meal_school_id_date')),
    )


def downgrade():
    op.drop_table('adult_meal')
    op.drop_index('ix_kitchen_order_date', table_name='kitchen_order')
    op.drop_table('kitchen_order')
    op.drop_table('kitchen_settings')
    op.drop_index('ix_attendance_unit_date', table_name='attendance')
    op.drop_table('attendance')
