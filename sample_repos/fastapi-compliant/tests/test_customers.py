from fastapi.testclient import TestClient


def test_create_and_get_customer(client: TestClient) -> None:
    created = client.post("/api/v1/customers", json={"email": "grace@example.com", "name": "Grace"})
    assert created.status_code == 201
    fetched = client.get(f"/api/v1/customers/{created.json()['id']}")
    assert fetched.status_code == 200
    assert fetched.json()["email"] == "grace@example.com"


def test_duplicate_email_is_a_conflict(client: TestClient, customer_id: int) -> None:
    again = client.post("/api/v1/customers", json={"email": "ada@example.com", "name": "Ada II"})
    assert again.status_code == 409
    assert again.json()["code"] == "conflict"


def test_unknown_customer_is_404_with_error_body(client: TestClient) -> None:
    response = client.get("/api/v1/customers/999", headers={"x-request-id": "req-1"})
    assert response.status_code == 404
    assert response.json() == {"code": "not_found", "message": "customer 999 does not exist", "request_id": "req-1"}


def test_list_is_paginated(client: TestClient) -> None:
    for i in range(3):
        client.post("/api/v1/customers", json={"email": f"u{i}@example.com", "name": f"User {i}"})
    page = client.get("/api/v1/customers", params={"limit": 2, "offset": 1})
    assert [c["email"] for c in page.json()] == ["u1@example.com", "u2@example.com"]


def test_invalid_body_is_rejected(client: TestClient) -> None:
    response = client.post("/api/v1/customers", json={"email": "not-an-email", "name": ""})
    assert response.status_code == 422
