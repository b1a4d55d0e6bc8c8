"""Shared fixtures: an in-memory SQLite database per test and a client bound to it."""

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import StaticPool

from app.db import Base, get_session
from app.main import create_app
from app.security import require_user


@pytest.fixture
def session() -> Iterator[Session]:
    engine = create_engine("sqlite://", connect_args={"check_same_thread": False}, poolclass=StaticPool)
    Base.metadata.create_all(engine)
    factory = sessionmaker(bind=engine, expire_on_commit=False)
    with factory() as db:
        yield db
    Base.metadata.drop_all(engine)


@pytest.fixture
def client(session: Session) -> Iterator[TestClient]:
    app = create_app()
    app.dependency_overrides[get_session] = lambda: session
    app.dependency_overrides[require_user] = lambda: "user-1"
    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture
def customer_id(client: TestClient) -> int:
    response = client.post("/api/v1/customers", json={"email": "ada@example.com", "name": "Ada"})
    assert response.status_code == 201
    value: int = response.json()["id"]
    return value
