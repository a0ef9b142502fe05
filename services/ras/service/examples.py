"""A ready-to-use combined RAS built from DOMAIN.md (RAS-01, RAS-03, RAS-08): the five Every Child Matters
outcomes plus family and carers; every answer is none/some/lots/exceptional = 0/8/21/28 points; social care
converts by the Norfolk bands (children's social care, primary age, per year; above 185 points is referred
to panel, RAS-04); education and health by price per point. The prices per point are placeholders for an LA
to calibrate (RAS-07).

The questionnaire itself is data, ``services/ras/examples/ecm_model.json``; ``POST /v1/ras/models`` accepts
``ecm_model(<LA code>)`` as it is."""
import json
from pathlib import Path

ECM_MODEL_PATH = Path(__file__).parents[1] / "examples" / "ecm_model.json"


def ecm_model(local_authority: str) -> dict:
    """The example model as a ``POST /v1/ras/models`` body for ``local_authority``."""
    return {"local_authority": local_authority, **json.loads(ECM_MODEL_PATH.read_text())}
