"""Runtime settings, read from the environment only."""

from functools import lru_cache

from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ORDERS_")

    database_url: str = "postgresql+psycopg://localhost/orders"
    page_size_max: int = 100


@lru_cache
def get_settings() -> Settings:
    return Settings()
