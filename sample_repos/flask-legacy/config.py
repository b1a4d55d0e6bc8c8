import os

DEBUG = True
SECRET_KEY = "dev-7f3c9a1e5b2d4c6e8a0f1b3d5e7a9c2e"
SQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL", "sqlite:///inventory.db")
SQLALCHEMY_TRACK_MODIFICATIONS = False
REPORTS_DSN = os.environ.get("REPORTS_DSN", "dbname=reports host=localhost")
SUPPLIER_API = "https://suppliers.internal.example.com/api"
