"""agreements schedules payments runs audits recoveries

Revision ID: 0002
Revises: 0001
"""
import sqlalchemy as sa
from alembic import op

LIVE = sa.text("status <> 'returned'")  # PAY-04: one live payment per (agreement, due date)
UNSETTLED = sa.text("NOT settled")  # what a run looks through: a run that finds nothing to pay is instant


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('agreements',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('local_authority', sa.String(length=9), nullable=False),
    sa.Column('budget_id', sa.String(length=36), nullable=True),
    sa.Column('child_id', sa.String(length=64), nullable=False),
    sa.Column('stream', sa.String(length=20), nullable=True),
    sa.Column('annual_amount_pence', sa.BigInteger(), nullable=False),
    sa.Column('frequency', sa.String(length=12), nullable=False),
    sa.Column('start_date', sa.Date(), nullable=False),
    sa.Column('end_date', sa.Date(), nullable=False),
    sa.Column('purpose', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('status_reason', sa.Text(), nullable=True),
    sa.Column('stop_reason', sa.String(length=40), nullable=True),
    sa.Column('opened_from', sa.String(length=10), nullable=False),
    sa.Column('signed_on', sa.Date(), nullable=True),
    sa.Column('signed_by', sa.String(length=200), nullable=True),
    sa.Column('payee_role', sa.String(length=20), nullable=True),
    sa.Column('payee_name', sa.String(length=200), nullable=True),
    sa.Column('account_kind', sa.String(length=20), nullable=True),
    sa.Column('sort_code', sa.String(length=6), nullable=True),
    sa.Column('account_number', sa.String(length=8), nullable=True),
    sa.Column('card_reference', sa.String(length=40), nullable=True),
    sa.Column('monthly_fee_pence', sa.BigInteger(), nullable=False),
    sa.Column('close_relative_same_household', sa.Boolean(), nullable=False),
    sa.Column('exceptional_reason', sa.Text(), nullable=True),
    sa.Column('next_audit_due', sa.Date(), nullable=True),
    sa.Column('final_audit_due', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_agreements')),
    sa.UniqueConstraint('budget_id', 'stream', name=op.f('uq_agreements_budget_id_stream'))
    )
    op.create_index('ix_agreements_child_id', 'agreements', ['child_id'], unique=False)
    op.create_index('ix_agreements_local_authority', 'agreements', ['local_authority'], unique=False)

    op.create_table('audits',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('agreement_id', sa.String(length=36), nullable=False),
    sa.Column('local_authority', sa.String(length=9), nullable=False),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('period_end', sa.Date(), nullable=False),
    sa.Column('audited_on', sa.Date(), nullable=False),
    sa.Column('balance_held_pence', sa.BigInteger(), nullable=False),
    sa.Column('outstanding_commitments_pence', sa.BigInteger(), nullable=False),
    sa.Column('contingency_pence', sa.BigInteger(), nullable=False),
    sa.Column('surplus_pence', sa.BigInteger(), nullable=False),
    sa.Column('basis', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audits'))
    )
    op.create_index('ix_audits_agreement_id', 'audits', ['agreement_id'], unique=False)

    op.create_table('instalments',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('agreement_id', sa.String(length=36), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('due_date', sa.Date(), nullable=False),
    sa.Column('amount_pence', sa.BigInteger(), nullable=False),
    sa.Column('deducted_pence', sa.BigInteger(), nullable=False),
    sa.Column('basis', sa.Text(), nullable=False),
    sa.Column('settled', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_instalments')),
    sa.UniqueConstraint('agreement_id', 'due_date', name=op.f('uq_instalments_agreement_id_due_date'))
    )
    op.create_index('ix_instalments_unsettled_due', 'instalments', ['due_date', 'id'], unique=False,
                    postgresql_where=UNSETTLED, sqlite_where=UNSETTLED)

    op.create_table('ledger_entries',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('agreement_id', sa.String(length=36), nullable=False),
    sa.Column('local_authority', sa.String(length=9), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('debit_account', sa.String(length=60), nullable=False),
    sa.Column('credit_account', sa.String(length=60), nullable=False),
    sa.Column('amount_pence', sa.BigInteger(), nullable=False),
    sa.Column('payment_id', sa.String(length=36), nullable=True),
    sa.Column('recovery_id', sa.String(length=36), nullable=True),
    sa.Column('memo', sa.Text(), nullable=False),
    sa.Column('entry_date', sa.Date(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ledger_entries'))
    )
    op.create_index('ix_ledger_entries_agreement_id', 'ledger_entries', ['agreement_id'], unique=False)

    op.create_table('payments',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('run_id', sa.String(length=36), nullable=False),
    sa.Column('agreement_id', sa.String(length=36), nullable=False),
    sa.Column('local_authority', sa.String(length=9), nullable=False),
    sa.Column('due_date', sa.Date(), nullable=False),
    sa.Column('amount_pence', sa.BigInteger(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('basis', sa.Text(), nullable=False),
    sa.Column('payee_name', sa.String(length=200), nullable=False),
    sa.Column('sort_code', sa.String(length=6), nullable=False),
    sa.Column('account_number', sa.String(length=8), nullable=False),
    sa.Column('reference', sa.String(length=18), nullable=False),
    sa.Column('issued_on', sa.Date(), nullable=False),
    sa.Column('return_reason', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_payments'))
    )
    op.create_index('ix_payments_agreement_id', 'payments', ['agreement_id'], unique=False)
    op.create_index('ix_payments_run_id', 'payments', ['run_id'], unique=False)
    op.create_index('uq_payments_live_instalment', 'payments', ['agreement_id', 'due_date'], unique=True,
                    postgresql_where=LIVE, sqlite_where=LIVE)

    op.create_table('recoveries',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('agreement_id', sa.String(length=36), nullable=False),
    sa.Column('audit_id', sa.String(length=36), nullable=False),
    sa.Column('local_authority', sa.String(length=9), nullable=False),
    sa.Column('amount_pence', sa.BigInteger(), nullable=False),
    sa.Column('reasons', sa.JSON(), nullable=False),
    sa.Column('who_must_repay', sa.String(length=200), nullable=False),
    sa.Column('method', sa.String(length=10), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('notice_issued_on', sa.Date(), nullable=False),
    sa.Column('challenge_by', sa.Date(), nullable=False),
    sa.Column('repay_by', sa.Date(), nullable=False),
    sa.Column('challenge_grounds', sa.Text(), nullable=True),
    sa.Column('decision_reason', sa.Text(), nullable=True),
    sa.Column('deductions', sa.JSON(), nullable=True),
    sa.Column('confirmed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_recoveries'))
    )
    op.create_index('ix_recoveries_agreement_id', 'recoveries', ['agreement_id'], unique=False)

    op.create_table('runs',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('local_authority', sa.String(length=9), nullable=False),
    sa.Column('run_date', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('due_count', sa.Integer(), nullable=False),
    sa.Column('settled_count', sa.Integer(), nullable=False),
    sa.Column('payments_count', sa.Integer(), nullable=False),
    sa.Column('total_pence', sa.BigInteger(), nullable=False),
    sa.Column('requested_by', sa.String(length=120), nullable=False),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('completed_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_runs'))
    )
    op.create_index('ix_runs_local_authority', 'runs', ['local_authority'], unique=False)



def downgrade() -> None:
    op.drop_index('ix_runs_local_authority', table_name='runs')

    op.drop_table('runs')
    op.drop_index('ix_recoveries_agreement_id', table_name='recoveries')

    op.drop_table('recoveries')
    op.drop_index('uq_payments_live_instalment', table_name='payments')
    op.drop_index('ix_payments_run_id', table_name='payments')
    op.drop_index('ix_payments_agreement_id', table_name='payments')

    op.drop_table('payments')
    op.drop_index('ix_ledger_entries_agreement_id', table_name='ledger_entries')

    op.drop_table('ledger_entries')
    op.drop_index('ix_instalments_unsettled_due', table_name='instalments')

    op.drop_table('instalments')
    op.drop_index('ix_audits_agreement_id', table_name='audits')

    op.drop_table('audits')
    op.drop_index('ix_agreements_local_authority', table_name='agreements')
    op.drop_index('ix_agreements_child_id', table_name='agreements')

    op.drop_table('agreements')
