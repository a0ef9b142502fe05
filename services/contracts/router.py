"""HTTP endpoints of the contracts service, mounted under ``/v1/contracts``."""
from fastapi import APIRouter

router = APIRouter(tags=["contracts"])
