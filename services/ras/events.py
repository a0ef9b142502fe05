"""What the ras service publishes (docs/events.md is the contract)."""
from kit.events import Envelope
from kit.logs import request_id
from services.ras.models import Assessment

ASSESSMENT_COMPLETED = "ras.assessment_completed.v1"


def assessment_completed(row: Assessment) -> Envelope:
    """``ras.assessment_completed.v1``: a referred stream is in ``referred_streams`` and not in
    ``indicative_pence``."""
    return Envelope(type=ASSESSMENT_COMPLETED, producer="ras", local_authority=row.local_authority,
                    correlation_id=request_id.get(), payload={
                        "assessment_id": row.id,
                        "supersedes_assessment_id": row.supersedes_assessment_id,
                        "child_id": row.child_id,
                        "local_authority": row.local_authority,
                        "model_id": row.model_id,
                        "model_version": row.model_version,
                        "points": row.points,
                        "indicative_pence": dict(row.indicative_pence),
                        "total_indicative_pence": row.total_indicative_pence,
                        "referred_to_panel": row.referred_to_panel,
                        "referred_streams": list(row.referred_streams),
                        "completed_at": row.created_at.isoformat().replace("+00:00", "Z"),
                    })
