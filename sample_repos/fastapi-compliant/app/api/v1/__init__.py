"""Version 1 of the public HTTP API."""

from fastapi import APIRouter, Depends

from app.api.v1 import customers, orders
from app.security import require_user

router = APIRouter(prefix="/api/v1", dependencies=[Depends(require_user)])
router.include_router(customers.router)
router.include_router(orders.router)
