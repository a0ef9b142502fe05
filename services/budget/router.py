"""HTTP endpoints of the budget service, mounted under ``/v1/budgets``."""
from fastapi import APIRouter

router = APIRouter(tags=["budget"])
