"""Operability family: each check over small real repositories, positives beside their safe twins, exact findings;
and the facts behind them (facts.operability)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from auditor.config import Config
from auditor.context import Context
from auditor.engine import detect_projects
from auditor.model import Check, Confidence, Finding, NotApplicable, Verdict
from auditor.repo import Repository
from auditor.sources import Sources
from checks.operability import (
    ApiVersioning,
    BlockingInAsync,
    ConnectionPooling,
    CorrelationIds,
    NPlusOne,
    operability_facts,
)

MakeRepo = Callable[..., Path]


def context(root: Path, config: Config | None = None) -> Context:
    repo = Repository.scan(root)
    project = detect_projects(repo)[0]
    return Context(repo=repo, sources=Sources(repo), config=config or Config(), project=project)


def findings(check: type[Check], root: Path) -> list[Finding]:
    out = check().run(context(root))
    items = out.findings if isinstance(out, Verdict) else tuple(out)
    return sorted(items, key=lambda f: (f.path or "", f.line or 0, f.message))


def where(check: type[Check], root: Path) -> list[tuple[str | None, int | None, str]]:
    return [(f.path, f.line, f.severity.value) for f in findings(check, root)]


def facts(root: Path) -> dict[str, object]:
    return operability_facts(context(root))


APP = """\
from fastapi import FastAPI

app = FastAPI()


@app.get("/api/v1/orders")
def list_orders() -> list[str]:
    return []


@app.post("/api/v1/orders")
def create_order() -> str:
    return "ok"
"""


# -- correlation ids and structured logging ---------------------------------------------------------------------
def test_correlation_missing_both_and_a_header_nobody_sets_is_not_correlation(make_repo: MakeRepo) -> None:
    root = make_repo({
        "app/main.py": APP,
        "app/errors.py": (
            "import logging\n"
            "log = logging.getLogger(__name__)\n"
            "logging.basicConfig(format='%(asctime)s %(request_id)s %(message)s')\n"
            "def body(request, message):\n"
            "    return {'message': message, 'request_id': request.headers.get('x-request-id')}\n"
        ),
    })
    found = findings(CorrelationIds, root)
    assert [(f.path, f.severity.value, f.key) for f in found] == [
        (None, "medium", "structured-logging"), (None, "medium", "correlation-id")]
    assert "no request or correlation id" in found[1].message and "2 endpoint(s)" in found[1].message
    ops = facts(root)
    assert ops["correlation_ids"] == {"present": False, "how": [], "where": []}
    assert ops["structured_logging"] == {"present": False, "how": [], "where": []}


def test_correlation_library_and_structured_logger_pass(make_repo: MakeRepo) -> None:
    root = make_repo({
        "app/main.py": APP + (
            "from asgi_correlation_id import CorrelationIdMiddleware\n"
            "import structlog\n"
            "app.add_middleware(CorrelationIdMiddleware)\n"
        ),
    })
    assert findings(CorrelationIds, root) == []
    ops = facts(root)
    assert ops["correlation_ids"] == {"present": True, "how": ["asgi-correlation-id"], "where": ["app/main.py:14"]}
    assert ops["structured_logging"] == {"present": True, "how": ["structlog"], "where": ["app/main.py:15"]}


def test_own_request_id_middleware_and_a_json_formatter_pass(make_repo: MakeRepo) -> None:
    root = make_repo({
        "app/main.py": APP,
        "app/observability.py": (
            "import json\n"
            "import logging\n"
            "import uuid\n"
            "from contextvars import ContextVar\n"
            "REQUEST_ID: ContextVar[str] = ContextVar('request_id', default='-')\n"
            "async def request_id(request, call_next):\n"
            "    rid = request.headers.get('x-request-id') or uuid.uuid4().hex\n"
            "    token = REQUEST_ID.set(rid)\n"
            "    try:\n"
            "        response = await call_next(request)\n"
            "    finally:\n"
            "        REQUEST_ID.reset(token)\n"
            "    response.headers['X-Request-ID'] = rid\n"
            "    return response\n"
            "class JsonFormatter(logging.Formatter):\n"
            "    def format(self, record):\n"
            "        return json.dumps({'msg': record.getMessage(), 'request_id': REQUEST_ID.get()})\n"
        ),
    })
    assert findings(CorrelationIds, root) == []
    ops = facts(root)
    assert ops["correlation_ids"]["how"] == ["request-id middleware `request_id`"]  # type: ignore[index]
    assert ops["structured_logging"]["how"] == ["JSON log formatter `JsonFormatter`"]  # type: ignore[index]


def test_fastify_logger_given_by_a_call_is_pino_with_request_ids(make_repo: MakeRepo) -> None:
    """fastify/demo: `Fastify({ logger: getLoggerOptions() })` logs JSON through pino with a reqId on every line;
    `logger: false` does not."""
    server = ("import Fastify from 'fastify'\n"
              "function getLoggerOptions () { return { level: process.env.LOG_LEVEL ?? 'silent' } }\n"
              "const app = Fastify({\n  logger: %s,\n  requestTimeout: 60_000\n})\n"
              "app.post('/items', async (req, reply) => { return req.body })\n")
    on = make_repo({"package.json": '{"dependencies": {"fastify": "^5"}}', "src/server.ts": server % "getLoggerOptions()"})
    assert findings(CorrelationIds, on) == []
    off = make_repo({"package.json": '{"dependencies": {"fastify": "^5"}}', "src/server.ts": server % "false"})
    assert [f.key for f in findings(CorrelationIds, off)] == ["structured-logging", "correlation-id"]


def test_reading_the_header_into_a_response_without_an_id_of_its_own_is_not_a_middleware(make_repo: MakeRepo) -> None:
    root = make_repo({
        "app/main.py": APP,
        "app/echo.py": (
            "def echo(request, response):\n"
            "    response.body = {'request_id': request.headers.get('X-Request-ID')}\n"
            "    return response\n"
        ),
    })
    assert [f.key for f in findings(CorrelationIds, root)] == ["structured-logging", "correlation-id"]


def test_packages_named_only_in_the_manifest_and_django_settings_count(make_repo: MakeRepo) -> None:
    root = make_repo({
        "requirements.txt": "django==5.0\ndjango-guid==3.4\n",
        "shop/settings.py": (
            "MIDDLEWARE = ['django.middleware.security.SecurityMiddleware']\n"
            "LOGGING = {'formatters': {'json': {'()': 'pythonjsonlogger.jsonlogger.JsonFormatter'}}}\n"
        ),
        "shop/urls.py": "from django.urls import path\nfrom shop import views\nurlpatterns = [path('orders/', views.orders)]\n",
        "shop/views.py": "def orders(request):\n    return None\n",
    })
    assert findings(CorrelationIds, root) == []
    ops = facts(root)
    assert ops["correlation_ids"]["how"] == ["django-guid"]  # type: ignore[index]
    assert ops["correlation_ids"]["where"] == ["manifest"]  # type: ignore[index]
    assert ops["structured_logging"]["how"] == ["python-json-logger"]  # type: ignore[index]


def test_ids_without_structured_logs_is_low_and_loguru_serialize_counts(make_repo: MakeRepo) -> None:
    ids_only = make_repo({"app/main.py": APP + "from asgi_correlation_id import CorrelationIdMiddleware\n"})
    found = findings(CorrelationIds, ids_only)
    assert [(f.severity.value, f.key) for f in found] == [("low", "structured-logging")]
    assert "requests do get an id: asgi-correlation-id" in found[0].message
    loguru = make_repo({"app/main.py": APP + (
        "from asgi_correlation_id import CorrelationIdMiddleware\n"
        "from loguru import logger\n"
        "logger.add('app.log', serialize=True)\n"
    )})
    assert findings(CorrelationIds, loguru) == []


def test_correlation_needs_endpoints(make_repo: MakeRepo) -> None:
    root = make_repo({"worker/run.py": "import logging\nlogging.info('x')\n"})
    with pytest.raises(NotApplicable):
        findings(CorrelationIds, root)


# -- connection pooling ------------------------------------------------------------------------------------------
FLASK_DB = """\
import functools
import sqlite3

import psycopg2
from flask import Flask

app = Flask(__name__)


def get_conn():
    return psycopg2.connect("dbname=shop")


@functools.lru_cache
def shared_conn():
    return psycopg2.connect("dbname=shop")


@app.route("/orders")
def orders():
    conn = psycopg2.connect("dbname=shop")
    return conn.cursor().fetchall()


@app.route("/customers")
def customers():
    return get_conn().cursor().fetchall()


@app.route("/cached")
def cached():
    return shared_conn().cursor().fetchall()


@app.route("/local")
def local():
    return sqlite3.connect("local.db").execute("select 1").fetchall()


def nightly_report():
    return psycopg2.connect("dbname=shop")
"""


def test_connections_opened_per_request_beside_a_cached_one_sqlite_and_a_batch_job(make_repo: MakeRepo) -> None:
    root = make_repo({"app.py": FLASK_DB})
    found = findings(ConnectionPooling, root)
    assert [(f.path, f.line, f.severity.value, f.confidence.value) for f in found] == [
        ("app.py", 11, "medium", "medium"),  # get_conn, called by the /customers handler
        ("app.py", 21, "medium", "high"),  # in the /orders handler itself
    ]
    assert "request handler `orders`" in found[1].message
    pooling = facts(root)["pooling"]
    assert pooling["pooled"] is False and len(pooling["connections"]) == 4  # type: ignore[index,arg-type]


def test_a_pool_at_start_up_is_pooling(make_repo: MakeRepo) -> None:
    root = make_repo({"app.py": (
        "from sqlalchemy import create_engine\n"
        "from flask import Flask\n"
        "app = Flask(__name__)\n"
        "engine = create_engine('postgresql://db/shop', pool_size=10, max_overflow=5, pool_pre_ping=True)\n"
        "@app.route('/orders')\n"
        "def orders():\n"
        "    with engine.connect() as conn:\n"
        "        return conn.execute('select 1').fetchall()\n"
    )})
    assert findings(ConnectionPooling, root) == []
    pooling = facts(root)["pooling"]
    assert pooling["pools"] == ["SQLAlchemy engine (app.py:4)"]  # type: ignore[index]
    assert pooling["settings"] == ["pool_size (app.py:4)", "max_overflow (app.py:4)", "pool_pre_ping (app.py:4)"]  # type: ignore[index]
    assert pooling["configured"] is True  # type: ignore[index]


def test_django_closes_its_connection_after_every_request_unless_told(make_repo: MakeRepo) -> None:
    settings = "DATABASES = {'default': {'ENGINE': 'django.db.backends.postgresql', 'NAME': 'shop'}}\n"
    default = make_repo({"shop/settings.py": settings})
    assert where(ConnectionPooling, default) == [("shop/settings.py", 1, "low")]
    persistent = make_repo({"shop/settings.py": settings + "CONN_MAX_AGE = 60\n"})
    assert findings(ConnectionPooling, persistent) == []
    url = make_repo({"shop/settings.py": "import dj_database_url\n"
                                         "DATABASES = {'default': dj_database_url.config(conn_max_age=600)}\n"})
    assert findings(ConnectionPooling, url) == []
    sqlite = make_repo({"shop/settings.py": "DATABASES = {'default': {'ENGINE': 'django.db.backends.sqlite3', "
                                            "'NAME': 'db.sqlite3'}}\n"})
    assert findings(ConnectionPooling, sqlite) == []


def test_an_unbounded_go_pool_is_low_and_a_rust_sqlx_pool_is_not_go(make_repo: MakeRepo) -> None:
    go = ('package main\nimport "database/sql"\nfunc main() {\n\tdb, _ := sql.Open("postgres", url)\n\t_ = db\n}\n')
    assert where(ConnectionPooling, make_repo({"main.go": go})) == [("main.go", 4, "low")]
    bounded = go.replace("\t_ = db\n", "\tdb.SetMaxOpenConns(20)\n")
    assert findings(ConnectionPooling, make_repo({"main.go": bounded})) == []
    rust = ("use sqlx::postgres::PgPoolOptions;\n#[tokio::main]\nasync fn main() {\n"
            "    let pool = PgPoolOptions::new().max_connections(10).connect(&url).await.unwrap();\n}\n")
    assert findings(ConnectionPooling, make_repo({"src/main.rs": rust})) == []  # "sqlx pool", not Go's sqlx


def test_pooling_needs_a_database(make_repo: MakeRepo) -> None:
    with pytest.raises(NotApplicable):
        findings(ConnectionPooling, make_repo({"app.py": "print('hi')\n"}))


# -- blocking calls in async code --------------------------------------------------------------------------------
BLOCKING = """\
import asyncio
import subprocess
import time

import requests
from fastapi import Depends, FastAPI
from sqlalchemy.orm import Session
from sqlalchemy.ext.asyncio import AsyncSession

from shop.models import Order

app = FastAPI()


@app.get("/slow")
async def slow(db: Session = Depends(), adb: AsyncSession = Depends()):
    time.sleep(1)
    requests.get("https://example.com", timeout=5)
    subprocess.run(["ls"], check=True)
    with open("data.json") as fh:
        fh.read()
    Order.objects.get(id=1)
    db.execute("select 1")
    await adb.execute("select 1")
    await asyncio.sleep(1)
    await Order.objects.aget(id=1)
    await asyncio.to_thread(requests.get, "https://example.com")
    loop = asyncio.get_running_loop()
    await loop.run_in_executor(None, lambda: requests.get("https://example.com", timeout=5))

    def helper():
        time.sleep(1)

    return helper


def sync_view():
    time.sleep(1)
    return requests.get("https://example.com", timeout=5)
"""


def test_blocking_calls_in_async_code_beside_their_async_twins(make_repo: MakeRepo) -> None:
    root = make_repo({"shop/api.py": BLOCKING})
    assert where(BlockingInAsync, root) == [
        ("shop/api.py", 17, "medium"), ("shop/api.py", 18, "medium"), ("shop/api.py", 19, "medium"),
        ("shop/api.py", 20, "low"), ("shop/api.py", 22, "medium"), ("shop/api.py", 23, "medium"),
    ]
    messages = [f.message for f in findings(BlockingInAsync, root)]
    assert messages[0] == ("`time.sleep()` in `slow`: sleeps, which blocks the event loop and every request it serves")
    assert "SynchronousOnlyOperation" in messages[4] and "synchronous SQLAlchemy Session" in messages[5]


def test_blocking_needs_async_code(make_repo: MakeRepo) -> None:
    with pytest.raises(NotApplicable):
        findings(BlockingInAsync, make_repo({"app.py": "import time\ndef f():\n    time.sleep(1)\n"}))


# -- N+1 -----------------------------------------------------------------------------------------------------------
SQLA_MODELS = """\
from sqlalchemy import ForeignKey
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class Base(DeclarativeBase):
    pass


class Customer(Base):
    __tablename__ = "customers"
    id: Mapped[int] = mapped_column(primary_key=True)
    orders: Mapped[list["Order"]] = relationship(back_populates="customer")
    tags = relationship("Tag", lazy="selectin")


class Order(Base):
    __tablename__ = "orders"
    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"))
    customer: Mapped[Customer] = relationship(back_populates="orders")
"""
SQLA_SERVICE = """\
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from shop.models import Customer, Order


def totals(session):
    orders = session.scalars(select(Order)).all()
    out = []
    for order in orders:
        customer = session.get(Customer, order.customer_id)
        out.append(customer.id)
    return out


def names(session):
    orders = session.scalars(select(Order)).all()
    return [{"id": o.id, "customer": o.customer.id} for o in orders]


def names_eager(session):
    orders = session.scalars(select(Order).options(selectinload(Order.customer))).all()
    return [{"id": o.id, "customer": o.customer.id} for o in orders]


def tags(session):
    return [[t.id for t in c.tags] for c in session.scalars(select(Customer))]


def by_ids(session, ids):
    return [session.get(Order, i) for i in ids]


def fixed(session):
    out = []
    for status in ("new", "paid"):
        out.append(session.scalars(select(Order).where(Order.id > 0)).all())
    return out


def poll(session):
    while True:
        if session.get(Order, 1):
            return
"""


def test_n_plus_one_in_sqlalchemy_beside_eager_loading_and_batched_twins(make_repo: MakeRepo) -> None:
    root = make_repo({"shop/models.py": SQLA_MODELS, "shop/service.py": SQLA_SERVICE})
    found = findings(NPlusOne, root)
    assert [(f.path, f.line, f.severity.value) for f in found] == [
        ("shop/service.py", 11, "medium"),  # session.get per order of the query at line 8
        ("shop/service.py", 18, "medium"),  # o.customer loads lazily per row
        ("shop/service.py", 31, "low"),  # a query per id of a parameter
    ]
    assert found[0].message.startswith("`session.get()` runs once per `order` of `orders` (the query at line 8)")
    assert found[1].message.startswith("`o.customer` loads lazily for each `o` of `orders` (the query at line 17)")
    assert all(f.confidence is Confidence.MEDIUM for f in found)


DJANGO_VIEWS = """\
from django.http import JsonResponse

from shop.models import Order, Item


def orders(request):
    out = []
    for order in Order.objects.filter(paid=True):
        out.append([i.sku for i in order.items.all()])
        out.append(order.customer.name)
    return JsonResponse(out, safe=False)


def orders_prefetched(request):
    out = []
    for order in Order.objects.select_related("customer").prefetch_related("items"):
        out.append([i.sku for i in order.items.all()])
        out.append(order.customer.name)
    return JsonResponse(out, safe=False)


def first_items(request):
    return JsonResponse([Item.objects.filter(order=o).first().sku for o in Order.objects.all()], safe=False)
"""
DJANGO_MODELS = """\
from django.db import models


class Customer(models.Model):
    name = models.CharField(max_length=100)


class Order(models.Model):
    paid = models.BooleanField()
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="orders")


class Item(models.Model):
    sku = models.CharField(max_length=20)
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="items")
"""


def test_n_plus_one_in_django_beside_select_related_and_prefetch_related(make_repo: MakeRepo) -> None:
    root = make_repo({"shop/models.py": DJANGO_MODELS, "shop/views.py": DJANGO_VIEWS})
    assert where(NPlusOne, root) == [
        ("shop/views.py", 8, "medium"),  # order.customer per order (the loop reads it)
        ("shop/views.py", 9, "medium"),  # order.items.all() per order
        ("shop/views.py", 23, "medium"),  # Item.objects.filter per order of the comprehension's query
    ]


def test_n_plus_one_needs_a_database(make_repo: MakeRepo) -> None:
    with pytest.raises(NotApplicable):
        findings(NPlusOne, make_repo({"app.py": "for x in range(3):\n    print(x)\n"}))


# -- API versioning -----------------------------------------------------------------------------------------------
UNVERSIONED = """\
from fastapi import APIRouter, FastAPI

EXTERNAL = "https://api.partner.example.com/v3/items"
DOCS_VERSION = "v2"
v1 = APIRouter()
app = FastAPI(version="1.0.0")


@v1.get("/orders")
def orders():
    return []


@v1.post("/orders")
def create():
    return {}


@v1.get("/orders/{order_id}")
def order(order_id: int):
    return {}


@app.get("/health")
def health():
    return {}


app.include_router(v1)
"""


def test_unversioned_api_and_strings_that_merely_look_like_versions(make_repo: MakeRepo) -> None:
    root = make_repo({"app/main.py": UNVERSIONED})
    found = findings(ApiVersioning, root)
    assert [(f.path, f.severity.value, f.confidence.value) for f in found] == [(None, "medium", "medium")]
    assert found[0].message.startswith("none of the 3 API endpoints is versioned")
    versioning = facts(root)["api_versioning"]
    assert versioning["present"] is False and versioning["endpoints"] == 3  # type: ignore[index]


def test_versioned_by_prefix_header_or_drf_setting_and_deprecation_facts(make_repo: MakeRepo) -> None:
    prefixed = make_repo({"app/main.py": UNVERSIONED.replace("app.include_router(v1)", "app.include_router(v1, prefix='/api/v1')")
                          .replace('@v1.get("/orders")\n', '@v1.get("/orders", deprecated=True)\n')})
    assert findings(ApiVersioning, prefixed) == []
    versioning = facts(prefixed)["api_versioning"]
    assert versioning["scheme"] == "path" and versioning["versions"] == ["v1"]  # type: ignore[index]
    assert versioning["versioned_endpoints"] == 3  # type: ignore[index]
    assert versioning["deprecation"] == ["deprecated=True on v1.get (app/main.py:9)"]  # type: ignore[index]
    header = make_repo({"app/main.py": UNVERSIONED + (
        "def version(request):\n"
        "    return request.headers.get('API-Version', '1')\n"
    )})
    assert findings(ApiVersioning, header) == []
    assert facts(header)["api_versioning"]["scheme"] == "header"  # type: ignore[index]


SPRING_PAGES = """\
package com.acme.web;

import org.springframework.stereotype.Controller;
import org.springframework.web.bind.annotation.*;

@Controller
class PostController {
    @GetMapping("/posts/new")
    String newPost() { return "posts/new"; }
    @PostMapping("/posts")
    String create() { return "redirect:/"; }
    @GetMapping("/login")
    String login() { return "login"; }
    @PostMapping("/partials/add-vote")
    @ResponseBody
    String vote() { return "ok"; }
}
"""


def test_pages_of_a_server_rendered_site_are_not_an_api_to_version(make_repo: MakeRepo) -> None:
    """techbuzz: Spring MVC `@Controller` methods that return view names serve HTML pages; a `@RestController`
    with the same routes is an API."""
    pom = {"pom.xml": "<project><artifactId>x</artifactId></project>\n"}
    pages = make_repo({**pom, "src/main/java/com/acme/web/PostController.java": SPRING_PAGES})
    with pytest.raises(NotApplicable):
        findings(ApiVersioning, pages)
    api = make_repo({**pom, "src/main/java/com/acme/web/PostController.java": SPRING_PAGES.replace(
        "@Controller\n", "@RestController\n").replace("stereotype.Controller", "web.bind.annotation.RestController")})
    assert [f.key for f in findings(ApiVersioning, api)] == ["api-versioning"]


def test_versioning_needs_a_few_api_endpoints(make_repo: MakeRepo) -> None:
    root = make_repo({"app/main.py": "from fastapi import FastAPI\napp = FastAPI()\n@app.post('/hook')\ndef hook():\n    return 1\n"})
    with pytest.raises(NotApplicable):
        findings(ApiVersioning, root)


# -- informational facts -------------------------------------------------------------------------------------------
def test_caching_and_background_processing_are_facts_without_judgement(make_repo: MakeRepo) -> None:
    root = make_repo({
        "requirements.txt": "celery==5.3\nredis==5.0\n",
        "app/tasks.py": "from celery import shared_task\n@shared_task\ndef send(x):\n    return x\n",
        "app/cache.py": "import functools\n@functools.lru_cache\ndef f():\n    return 1\n",
    })
    ops = facts(root)
    assert ops["caching"] == {"present": True, "how": ["redis (manifest)"]}
    assert ops["background"] == {"present": True, "how": ["celery (app/tasks.py:1)", "@shared_task (app/tasks.py:3)"]}
    empty = facts(make_repo({"app.py": "x = 1\n"}))
    assert empty["caching"] == {"present": False, "how": []} and empty["background"] == {"present": False, "how": []}


JAVA_SERVICE = """\
package com.acme.shop;

import java.util.List;

class OrderService {
    private final OrderRepository orders;
    private final CustomerRepository customers;

    List<String> names() {
        List<Order> all = orders.findAll();
        List<String> out = new ArrayList<>();
        for (Order o : all) {
            out.add(customers.findById(o.getCustomerId()).get().getName());
        }
        all.forEach(o -> customers.findById(o.getCustomerId()));
        return out;
    }

    List<Order> byIds(List<Long> ids) {
        return ids.stream().map(id -> orders.findById(id).orElseThrow()).toList();
    }

    List<Order> batched(List<Long> ids) {
        return orders.findAllById(ids);
    }
}
"""


def test_n_plus_one_in_java_loops_and_callbacks_beside_a_batched_twin(make_repo: MakeRepo) -> None:
    root = make_repo({"src/main/java/com/acme/shop/OrderService.java": JAVA_SERVICE})
    found = findings(NPlusOne, root)
    assert [(f.line, f.severity.value, f.confidence.value) for f in found] == [
        (13, "medium", "low"),  # in a loop (the Java model does not say over what) after a query's rows were loaded
        (15, "medium", "medium"),  # in the function given to forEach over the rows of the query at line 10
        (20, "low", "medium"),  # per id of a parameter
    ]
    assert found[1].message.startswith("`customers.findById()` runs once per element of `all` (the query at line 10)")
