from fastapi.testclient import TestClient


def test_place_order(client: TestClient, customer_id: int) -> None:
    response = client.post("/api/v1/orders", json={"customer_id": customer_id, "total": "19.90"})
    assert response.status_code == 201
    assert response.json()["status"] == "pending"


def test_order_for_unknown_customer_is_404(client: TestClient) -> None:
    response = client.post("/api/v1/orders", json={"customer_id": 42, "total": "5.00"})
    assert response.status_code == 404


def test_status_flow(client: TestClient, customer_id: int) -> None:
    order = client.post("/api/v1/orders", json={"customer_id": customer_id, "total": "7.50"}).json()
    paid = client.patch(f"/api/v1/orders/{order['id']}/status", json={"status": "paid"})
    assert paid.json()["status"] == "paid"
    back = client.patch(f"/api/v1/orders/{order['id']}/status", json={"status": "pending"})
    assert back.status_code == 422
    assert back.json()["code"] == "invalid_transition"


def test_get_unknown_order(client: TestClient) -> None:
    assert client.get("/api/v1/orders/12345").status_code == 404
