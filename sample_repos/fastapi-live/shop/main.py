"""The shop API. Each operation but one carries a defect that only shows when the service runs.

GET /v1/items               healthy
GET /v1/items/{item_id}     answers `price` as a string; the spec says number (schema violation)
GET /v1/items/{item_id}/share?parts=N
                            divides by `parts`, which the spec allows to be 0 (server error)
GET /v1/orders/{order_id}   answers 404 for an unknown order, a status the spec does not document
GET /v1/reports/daily       sleeps 200 ms before answering (p95 latency over 100 ms)
"""

from __future__ import annotations

import time

from fastapi import FastAPI, Query
from fastapi.responses import JSONResponse
from pydantic import BaseModel

app = FastAPI(title="shop", version="1.0.0")


class Item(BaseModel):
    id: int
    name: str
    price: float


class Share(BaseModel):
    item_id: int
    parts: int
    share: float


class Order(BaseModel):
    id: int
    item_id: int
    quantity: int


class Report(BaseModel):
    top: int
    items: list[Item]


ORDERS = {1: Order(id=1, item_id=1, quantity=2), 2: Order(id=2, item_id=3, quantity=1)}


def _item(item_id: int) -> Item:
    return Item(id=item_id, name=f"item {item_id}", price=round(2.5 + item_id % 7, 2))


@app.get("/v1/items", summary="List items", operation_id="list_items")
def list_items(limit: int = Query(10, ge=1, le=50)) -> list[Item]:
    return [_item(i) for i in range(1, limit + 1)]


@app.get("/v1/items/{item_id}", summary="One item", operation_id="get_item", response_model=Item)
def get_item(item_id: int) -> JSONResponse:
    item = _item(item_id)
    # Returned as a ready response, so FastAPI does not check it against `response_model`: the price
    # goes out as a string ("9.50") while the documented schema says number.
    return JSONResponse({"id": item.id, "name": item.name, "price": f"{item.price:.2f}"})


@app.get("/v1/items/{item_id}/share", summary="An item's price split in parts", operation_id="share_item")
def share_item(item_id: int, parts: int = Query(ge=0, le=12)) -> Share:
    item = _item(item_id)
    return Share(item_id=item_id, parts=parts, share=round(item.price / parts, 2))


@app.get("/v1/orders/{order_id}", summary="One order", operation_id="get_order", response_model=Order)
def get_order(order_id: int) -> Order | JSONResponse:
    order = ORDERS.get(order_id)
    if order is None:
        return JSONResponse({"detail": "order not found"}, status_code=404)
    return order


@app.get("/v1/reports/daily", summary="Best sellers of the day", operation_id="daily_report")
def daily_report(top: int = Query(5, ge=1, le=20)) -> Report:
    time.sleep(0.2)  # stands for an unindexed query
    return Report(top=top, items=[_item(i) for i in range(1, top + 1)])
