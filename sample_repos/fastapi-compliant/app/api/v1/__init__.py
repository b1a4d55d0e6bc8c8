"""Version 1 of the public HTTP API."""

from fastapi import APIRouter

from app.api.v1 import customers, orders

router = APIRouter(prefix="/api/v1")
router.include_router(customers.router)
router.include_router(orders.router)
