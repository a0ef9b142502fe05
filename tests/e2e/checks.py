from sendpb.journey import Family


def assert_journey(facts: dict, family: Family) -> None:
    """What a family, a finance officer and an auditor would check at the end of the journey."""
    assert facts["eligibility"] == "eligible"
    assert facts["agreed_status"] == "agreed"
    assert facts["agreement_status"] == "active"
    assert facts["schedule_total_pence"] == family.pa_annual_pence, "PAY-03: instalments add up to the year"
    assert facts["paid_pence"] > 0
    assert all(len(line) == 100 for line in facts["bacs_records"]), "BACS Standard 18 records are 100 characters"
    assert [line[:4] for line in facts["bacs_labels"]] == ["VOL1", "HDR1", "HDR2", "UHL1", "EOF1", "EOF2", "UTL1"]
    assert all(len(line) == 80 for line in facts["bacs_labels"]), "BACS Standard 18 labels are 80 characters"
    assert facts["health_agreed_pence"] == 300_000, "BUD-07: the ICB's amount is applied"
    assert facts["transfer"] == "approved" and facts["release_pence"] == 20 * 4_000
    assert facts["recovery_status"] == "notice_issued" and facts["surplus_pence"] > 0, "PAY-06/07"
    assert facts["challenge_status"] == "challenged"
