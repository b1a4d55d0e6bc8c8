from fastapi.testclient import TestClient


def test_add_and_list(client: TestClient) -> None:
    created = client.post("/api/v1/books", json={"title": "Dune", "author": "Frank Herbert"})
    assert created.status_code == 201
    assert [b["title"] for b in client.get("/api/v1/books").json()] == ["Dune"]


def test_missing_book(client: TestClient) -> None:
    response = client.get("/api/v1/books/404")
    assert response.status_code == 404
    assert response.json()["code"] == "http_error"
