"""HTTP endpoints of the eligibility service, mounted under ``/v1/eligibility``."""
from fastapi import APIRouter

router = APIRouter(tags=["eligibility"])
