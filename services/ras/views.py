"""ORM rows as the API shows them."""
from services.ras.domain.definition import ModelDefinition, problems
from services.ras.models import Assessment, RasModel
from services.ras.schemas import AssessmentRead, ModelRead, ModelSummary, ValidationReport


def validation_of(row: RasModel) -> ValidationReport:
    found = problems(ModelDefinition.from_dict(row.definition))
    return ValidationReport(valid=not found, errors=[p.as_error() for p in found])


def model_read(row: RasModel, *, active: bool) -> ModelRead:
    d = row.definition
    return ModelRead(id=row.id, lineage_id=row.lineage_id, version=row.version,
                     previous_version_id=row.previous_version_id, status=row.status, active=active,
                     name=row.name,
                     local_authority=row.local_authority, questions=d["questions"],
                     conversions=d["conversions"],
                     ceiling_points=d.get("ceiling_points"), validation=validation_of(row),
                     created_at=row.created_at, published_at=row.published_at)


def model_summary(row: RasModel) -> ModelSummary:
    return ModelSummary(id=row.id, lineage_id=row.lineage_id, version=row.version, status=row.status,
                        name=row.name, local_authority=row.local_authority, created_at=row.created_at,
                        published_at=row.published_at)


def assessment_read(row: Assessment) -> AssessmentRead:
    return AssessmentRead(id=row.id, child_id=row.child_id, local_authority=row.local_authority,
                          model_id=row.model_id, model_version=row.model_version,
                          supersedes_assessment_id=row.supersedes_assessment_id, points=row.points,
                          indicative_pence=row.indicative_pence,
                          total_indicative_pence=row.total_indicative_pence,
                          referred_to_panel=row.referred_to_panel, referred_streams=row.referred_streams,
                          explanation=row.explanation, conversions=row.conversions,
                          completed_at=row.created_at)
