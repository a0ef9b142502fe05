"""How records are shown to callers. Bank details are never returned in full (opened from their sealed form,
all but the last 4 characters masked)."""
from __future__ import annotations

from kit.crypto import Keyring
from services.payments import domain, sealed
from services.payments.models import Agreement, Audit, LedgerEntry, Payment, Recovery, Run
from services.payments.service.runs import progress


def _masked(keyring: Keyring, agreement_id: str, field: str, value: str | None) -> str | None:
    return domain.mask(sealed.unseal(keyring, agreement_id, field, value))


def payee(a: Agreement, keyring: Keyring) -> dict | None:
    if a.payee_name is None:
        return None
    account: dict = {"kind": a.account_kind}
    if a.account_kind == "prepaid_card":
        account["card_reference"] = _masked(keyring, a.id, "card_reference", a.card_reference)
    else:
        account |= {field: _masked(keyring, a.id, field, getattr(a, field))
                    for field in ("sort_code", "account_number")}
    if a.account_kind == "managed_account":
        account["monthly_fee_pence"] = a.monthly_fee_pence
    return {"role": a.payee_role, "name": a.payee_name, "account": account,
            "close_relative_same_household": a.close_relative_same_household,
            "exceptional": a.close_relative_same_household, "exceptional_reason": a.exceptional_reason}


def agreement(a: Agreement, keyring: Keyring) -> dict:
    return {"id": a.id, "budget_id": a.budget_id, "child_id": a.child_id,
            "local_authority": a.local_authority,
            "stream": a.stream, "annual_amount_pence": a.annual_amount_pence, "frequency": a.frequency,
            "start_date": a.start_date, "end_date": a.end_date, "purpose": a.purpose,
            "terms": {"purpose": a.purpose, "amount": f"{domain.pounds(a.annual_amount_pence)} a year",
                      "frequency": a.frequency.replace("_", "-"), **domain.AGREEMENT_TERMS},
            "status": a.status, "status_reason": a.status_reason, "stop_reason": a.stop_reason,
            "opened_from": a.opened_from, "signed_on": a.signed_on, "signed_by": a.signed_by,
            "payee": payee(a, keyring), "next_audit_due": a.next_audit_due, "final_audit_due": a.final_audit_due,
            "created_at": a.created_at, "pay_before": a.pay_before}


def payment(p: Payment, keyring: Keyring) -> dict:
    return {"id": p.id, "run_id": p.run_id, "agreement_id": p.agreement_id, "due_date": p.due_date,
            "amount_pence": p.amount_pence, "status": p.status, "basis": p.basis, "issued_on": p.issued_on,
            "sort_code": _masked(keyring, p.agreement_id, "sort_code", p.sort_code),
            "account_number": _masked(keyring, p.agreement_id, "account_number", p.account_number),
            "return_reason": p.return_reason}


def ledger_entry(e: LedgerEntry) -> dict:
    return {"kind": e.kind, "entry_date": e.entry_date, "amount_pence": e.amount_pence,
            "debit_account": e.debit_account, "credit_account": e.credit_account, "payment_id": e.payment_id,
            "recovery_id": e.recovery_id, "memo": e.memo}


def run(r: Run) -> dict:
    return {"id": r.id, "local_authority": r.local_authority, "run_date": r.run_date, "status": r.status,
            "payments_count": r.payments_count, "total_pence": r.total_pence, "progress": progress(r),
            "error": r.error, "created_at": r.created_at, "updated_at": r.updated_at,
            "completed_at": r.completed_at}


def recovery(r: Recovery | None) -> dict | None:
    if r is None:
        return None
    return {"id": r.id, "agreement_id": r.agreement_id, "status": r.status, "amount_pence": r.amount_pence,
            "reasons": r.reasons, "who_must_repay": r.who_must_repay, "method": r.method,
            "notice_issued_on": r.notice_issued_on, "challenge_by": r.challenge_by, "repay_by": r.repay_by,
            "challenge_grounds": r.challenge_grounds, "decision_reason": r.decision_reason,
            "deductions": r.deductions, "confirmed_at": r.confirmed_at, "withdrawn_reason": r.withdrawn_reason}


def audit(a: Audit, r: Recovery | None) -> dict:
    return {"id": a.id, "agreement_id": a.agreement_id, "kind": a.kind, "period_end": a.period_end,
            "audited_on": a.audited_on, "balance_held_pence": a.balance_held_pence,
            "outstanding_commitments_pence": a.outstanding_commitments_pence,
            "contingency_pence": a.contingency_pence, "surplus_pence": a.surplus_pence, "basis": a.basis,
            "supersedes": a.supersedes, "superseded_by": a.superseded_by, "recovery": recovery(r)}
