"""Request and response bodies."""

from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, EmailStr, Field


class OrderStatus(StrEnum):
    PENDING = "pending"
    PAID = "paid"
    SHIPPED = "shipped"
    CANCELLED = "cancelled"


class CustomerIn(BaseModel):
    email: EmailStr
    name: str = Field(min_length=1, max_length=200)


class CustomerOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    email: EmailStr
    name: str
    created_at: datetime


class OrderIn(BaseModel):
    customer_id: int = Field(gt=0)
    total: Decimal = Field(gt=0, max_digits=12, decimal_places=2)


class OrderOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    customer_id: int
    total: Decimal
    status: OrderStatus
    created_at: datetime


class StatusChange(BaseModel):
    status: OrderStatus


class ErrorBody(BaseModel):
    code: str
    message: str
    request_id: str | None = None
