"""Application factory."""

from fastapi import FastAPI

from app.api.v1 import router as v1_router
from app.errors import install_error_handlers


def create_app() -> FastAPI:
    app = FastAPI(title="Orders service", version="1.4.0")
    app.include_router(v1_router)
    install_error_handlers(app)
    return app


app = create_app()
