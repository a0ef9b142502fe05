"""HTTP endpoints of the payments service, mounted under ``/v1/payments``."""
from fastapi import APIRouter

router = APIRouter(tags=["payments"])
