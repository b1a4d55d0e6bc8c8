"""Write the OpenAPI document of the app to openapi.json (run in CI, result committed)."""

import json
from pathlib import Path

from app.main import app


def main() -> None:
    Path("openapi.json").write_text(json.dumps(app.openapi(), indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
