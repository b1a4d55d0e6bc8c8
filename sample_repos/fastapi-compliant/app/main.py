"""Application factory."""

from fastapi import FastAPI
from slowapi.middleware import SlowAPIMiddleware

from app.api.v1 import router as v1_router
from app.errors import install_error_handlers
from app.observability import configure_logging, request_id
from app.security import limiter, security_headers


def create_app() -> FastAPI:
    configure_logging()
    app = FastAPI(title="Orders service", version="1.4.0")
    app.state.limiter = limiter
    app.add_middleware(SlowAPIMiddleware)
    app.middleware("http")(security_headers)
    app.middleware("http")(request_id)
    app.include_router(v1_router)
    install_error_handlers(app)
    return app


app = create_app()
