"""Business rules, kept apart from HTTP so they can be tested directly."""

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.errors import Conflict, InvalidTransition, NotFound
from app.models import Customer, Order
from app.schemas import CustomerIn, OrderIn, OrderStatus

ALLOWED: dict[OrderStatus, frozenset[OrderStatus]] = {
    OrderStatus.PENDING: frozenset({OrderStatus.PAID, OrderStatus.CANCELLED}),
    OrderStatus.PAID: frozenset({OrderStatus.SHIPPED, OrderStatus.CANCELLED}),
    OrderStatus.SHIPPED: frozenset(),
    OrderStatus.CANCELLED: frozenset(),
}


def can_transition(current: OrderStatus, target: OrderStatus) -> bool:
    return target in ALLOWED[current]


def create_customer(session: Session, data: CustomerIn) -> Customer:
    customer = Customer(email=data.email, name=data.name)
    session.add(customer)
    try:
        session.commit()
    except IntegrityError as exc:
        session.rollback()
        raise Conflict(f"a customer with email {data.email} already exists") from exc
    return customer


def get_customer(session: Session, customer_id: int) -> Customer:
    customer = session.get(Customer, customer_id)
    if customer is None:
        raise NotFound(f"customer {customer_id} does not exist")
    return customer


def list_customers(session: Session, limit: int, offset: int) -> list[Customer]:
    query = select(Customer).order_by(Customer.id).limit(limit).offset(offset)
    return list(session.scalars(query))


def create_order(session: Session, data: OrderIn) -> Order:
    get_customer(session, data.customer_id)
    order = Order(customer_id=data.customer_id, total=data.total, status=OrderStatus.PENDING.value)
    session.add(order)
    session.commit()
    return order


def get_order(session: Session, order_id: int) -> Order:
    order = session.get(Order, order_id)
    if order is None:
        raise NotFound(f"order {order_id} does not exist")
    return order


def change_status(session: Session, order_id: int, target: OrderStatus) -> Order:
    order = get_order(session, order_id)
    try:
        current = OrderStatus(order.status)
    except ValueError as exc:
        raise InvalidTransition(f"order {order_id} has an unknown status") from exc
    if not can_transition(current, target):
        raise InvalidTransition(f"cannot change order {order_id} from {current} to {target}")
    order.status = target.value
    session.commit()
    return order
