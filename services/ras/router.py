"""HTTP endpoints of the ras service, mounted under ``/v1/ras``."""
from fastapi import APIRouter

router = APIRouter(tags=["ras"])
