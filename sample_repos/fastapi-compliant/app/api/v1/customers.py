"""Customer endpoints."""

from typing import Annotated

from fastapi import APIRouter, Depends, Query, status
from sqlalchemy.orm import Session

from app import services
from app.db import get_session
from app.models import Customer
from app.schemas import CustomerIn, CustomerOut, ErrorBody

router = APIRouter(prefix="/customers", tags=["customers"])
SessionDep = Annotated[Session, Depends(get_session)]


@router.get("", operation_id="listCustomers", summary="List customers")
def list_customers(
    session: SessionDep,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> list[CustomerOut]:
    return [CustomerOut.model_validate(c) for c in services.list_customers(session, limit, offset)]


@router.post(
    "",
    operation_id="createCustomer",
    summary="Create a customer",
    status_code=status.HTTP_201_CREATED,
    responses={409: {"model": ErrorBody}},
)
def create_customer(body: CustomerIn, session: SessionDep) -> CustomerOut:
    customer: Customer = services.create_customer(session, body)
    return CustomerOut.model_validate(customer)


@router.get(
    "/{customer_id}",
    operation_id="getCustomer",
    summary="Get one customer",
    responses={404: {"model": ErrorBody}},
)
def get_customer(customer_id: int, session: SessionDep) -> CustomerOut:
    return CustomerOut.model_validate(services.get_customer(session, customer_id))
