"""HTTP API of the reading list."""

from typing import Annotated

from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.db import Book, get_session

app = FastAPI(title="shelf", version="0.2.0")
SessionDep = Annotated[Session, Depends(get_session)]


class BookIn(BaseModel):
    title: str = Field(min_length=1, max_length=300)
    author: str = Field(min_length=1, max_length=200)


class BookOut(BookIn):
    model_config = ConfigDict(from_attributes=True)

    id: int
    cover_url: str | None


@app.exception_handler(HTTPException)
async def http_error(request: Request, exc: HTTPException) -> JSONResponse:
    return JSONResponse(status_code=exc.status_code, content={"code": "http_error", "message": str(exc.detail)})


@app.get("/api/v1/books", operation_id="listBooks", summary="List books")
def list_books(session: SessionDep) -> list[BookOut]:
    return [BookOut.model_validate(b) for b in session.scalars(select(Book).order_by(Book.id))]


@app.post("/api/v1/books", operation_id="addBook", summary="Add a book", status_code=201)
def add_book(body: BookIn, session: SessionDep) -> BookOut:
    book = Book(title=body.title, author=body.author)
    session.add(book)
    session.commit()
    return BookOut.model_validate(book)


@app.get("/api/v1/books/{book_id}", operation_id="getBook", summary="Get a book",
         responses={404: {"description": "Not found"}})
def get_book(book_id: int, session: SessionDep) -> BookOut:
    book = session.get(Book, book_id)
    if book is None:
        raise HTTPException(status_code=404, detail=f"book {book_id} does not exist")
    return BookOut.model_validate(book)
