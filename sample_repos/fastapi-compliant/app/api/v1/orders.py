"""Order endpoints."""

from typing import Annotated

from fastapi import APIRouter, Depends, status
from sqlalchemy.orm import Session

from app import services
from app.db import get_session
from app.schemas import ErrorBody, OrderIn, OrderOut, StatusChange

router = APIRouter(prefix="/orders", tags=["orders"])
SessionDep = Annotated[Session, Depends(get_session)]


@router.post(
    "",
    operation_id="createOrder",
    summary="Place an order",
    status_code=status.HTTP_201_CREATED,
    responses={404: {"model": ErrorBody}},
)
def create_order(body: OrderIn, session: SessionDep) -> OrderOut:
    return OrderOut.model_validate(services.create_order(session, body))


@router.get(
    "/{order_id}",
    operation_id="getOrder",
    summary="Get one order",
    responses={404: {"model": ErrorBody}},
)
def get_order(order_id: int, session: SessionDep) -> OrderOut:
    return OrderOut.model_validate(services.get_order(session, order_id))


@router.patch(
    "/{order_id}/status",
    operation_id="changeOrderStatus",
    summary="Move an order to another status",
    responses={404: {"model": ErrorBody}, 422: {"model": ErrorBody}},
)
def change_status(order_id: int, body: StatusChange, session: SessionDep) -> OrderOut:
    return OrderOut.model_validate(services.change_status(session, order_id, body.status))
