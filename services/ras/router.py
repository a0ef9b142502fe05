"""HTTP endpoints of the ras service, mounted under ``/v1/ras``."""
from fastapi import APIRouter

from services.ras.routes import assessments, models

router = APIRouter(tags=["ras"])
router.include_router(models.router)
router.include_router(assessments.router)
