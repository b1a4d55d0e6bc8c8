"""Security family: each check over small real repositories, positives beside their safe twins, exact findings;
and the property that a detected secret never reaches any output."""

from __future__ import annotations

import base64
import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from auditor.config import Config
from auditor.context import Context
from auditor.model import Check, Confidence, Finding, NotApplicable, Severity, Verdict
from auditor.repo import Repository
from auditor.sources import Sources
from checks.security import (
    CommandInjection,
    DebugMode,
    HardcodedSecret,
    InputValidation,
    InsecureCors,
    JwtMisuse,
    MissingAuth,
    RateLimiting,
    SecurityHeaders,
    SqlInjection,
    security_facts,
)
from tests.helpers import write_tree

MakeRepo = Callable[..., Path]


def context(root: Path) -> Context:
    repo = Repository.scan(root)
    return Context(repo=repo, sources=Sources(repo), config=Config())


def findings(check: type[Check], root: Path) -> list[Finding]:
    out = check().run(context(root))
    items = out.findings if isinstance(out, Verdict) else tuple(out)
    return sorted(items, key=lambda f: (f.path or "", f.line or 0))


def where(check: type[Check], root: Path) -> list[tuple[str | None, int | None, str]]:
    return [(f.path, f.line, f.severity.value) for f in findings(check, root)]


# -- hardcoded secrets ----------------------------------------------------------------------------------------
GITHUB = "ghp_" + "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8"
STRIPE = "sk_live_" + "51Hx9QzK2pLq8mW4rT7vYb3N"


def test_secrets_by_kind_with_safe_twins(make_repo: MakeRepo) -> None:
    root = make_repo({
        "app/config.py": (
            "import os\n"
            f"GITHUB_TOKEN = '{GITHUB}'\n"                       # 2: live provider token: critical
            f"stripe_key = \"{STRIPE}\"\n"                       # 3: live provider key: critical
            "SECRET_KEY = os.environ.get('SECRET_KEY', 'dev-only-fallback')\n"  # 4: fallback: medium
            "DB_URL = 'postgresql://svc:Xk29!pqLz8@db.prod.example.com:5432/app'\n"  # 5: high
            "password = os.environ['DB_PASSWORD']\n"              # environment look-up: nothing
            "api_key = '<your-api-key>'\n"                        # placeholder: nothing
            "token = settings.API_TOKEN\n"                        # reference: nothing
            "sha256 = '9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08'\n"  # a digest: nothing
            "request_id = '123e4567-e89b-12d3-a456-426614174000'\n"  # a UUID: nothing
        ),
        ".env": "JWT_SECRET=q8Zr5Lw2Nx7Tb4Yc9Vd1Hs6Jk3Mf0Pg\nDATABASE_URL=postgres://postgres:postgres@localhost:5432/dev\n",
        ".env.example": "JWT_SECRET=changeme\nAPI_KEY=${API_KEY}\nSTRIPE_KEY=<stripe-key>\n",
        "package-lock.json": '{"integrity": "sha512-token=abcdefghijklmnopqrstuvwxyz0123456789"}\n',
        "tests/test_login.py": "def test_login(client):\n    client.post('/login', json={'password': 'password'})\n",
    })
    assert where(HardcodedSecret, root) == [
        (".env", 1, "high"),
        (".env", 2, "low"),
        ("app/config.py", 2, "critical"),
        ("app/config.py", 3, "critical"),
        ("app/config.py", 4, "medium"),
        ("app/config.py", 5, "high"),
    ]
    facts = security_facts(context(root))["secrets"]
    assert facts["by_kind"] == {"assigned-secret": 1, "fallback-secret": 1, "github-token": 1, "stripe-live-key": 1,  # type: ignore[index]
                                "url-credentials": 2}


def test_self_describing_values_messages_and_scripts_are_not_secrets(make_repo: MakeRepo) -> None:
    """Shapes met on real repositories (nestjs-boilerplate, go-gin-example, techbuzz, zero-to-production, the
    Maven wrapper): message keys and view names named like secrets, placeholders that say what they stand for,
    prose in another script, regular expressions, `$variable` code in scripts, shell expansions."""
    root = make_repo({
        "src/auth/auth.service.ts": (
            "throw invalid({ password: 'incorrectPassword' });\n"             # a message key
            "const PLACEHOLDERS = { AUTH_REFRESH_SECRET: 'secret_for_refresh' };\n"  # a placeholder it checks for
            "const passwordPattern = '^(?=.*?[A-Z])(?=.*?[a-z])(?=.*?[0-9]).{8,}$';\n"  # a regular expression
            "const signingKey = 'q8Zr5Lw2Nx7Tb4Yc9Vd1Hs6Jk3Mf0Pg';\n"         # 4: a real one: high
        ),
        "pkg/e/msg.go": 'package e\nvar m = map[int]string{\n\tERROR_AUTH_TOKEN: "Token生成失败",\n}\n',
        "src/main/java/app/Pages.java": 'class Pages { static final String FORGOT_PASSWORD = "users/forgotPassword"; }\n',
        "src/i18n/zh/common.json": '{"resetPassword": "chongzhimima"}\n',  # a catalogue in a nested locale folder
        "env-example-relational": "AUTH_FORGOT_SECRET=q8Zr5Lw2Nx7Tb4Yc9Vd1Hs6Jk3Mf0Pg\n",  # example file: low
        "mvnw.cmd": (
            '"$webclient.Credentials = new-object System.Net.NetworkCredential($u, $p);"^\n'
            "$token = 'q8Zr5Lw2Nx7Tb4Yc9Vd1Hs6Jk3Mf0Pg'\n"                # 8: quoted: high
        ),
        "mvnw": 'case "${MVNW_PASSWORD:+has-password}" in\nesac\n',
        "scripts/init_db.sh": 'SUPERUSER_PWD="${SUPERUSER_PWD:=password}"\nAPP_PWD="${APP_PWD:=Xk29pqLz8Wq}"\n',
        "src/main/resources/application.properties": "app.sendgrid-api-key=${SENDGRID_API_KEY:apiKey}\n",  # its name
        "configuration/base.yaml": 'hmac_secret: "super-long-and-secret-random-key-needed-to-verify-message-integrity"\n',
        ".env": "POSTGRES_PASSWORD=password123\n",
        ".travis.yml": "env:\n  global:\n    - JWT_SECRET=bA2xcjpf8y5aSUFsNB2qN5yymUBSs6es3qHoFpGkec75RCeBb8\n",
    })
    assert where(HardcodedSecret, root) == [
        (".env", 1, "low"),
        (".travis.yml", 3, "medium"),
        ("configuration/base.yaml", 1, "low"),
        ("env-example-relational", 1, "low"),
        ("mvnw.cmd", 2, "high"),
        ("scripts/init_db.sh", 1, "low"),
        ("scripts/init_db.sh", 2, "medium"),
        ("src/auth/auth.service.ts", 4, "high"),
    ]


def test_a_base64_placeholder_that_says_it_must_be_changed_is_default_grade_issue_9(make_repo: MakeRepo) -> None:
    """jhipster-sample-app `.yo-rc.json` and `application-secret-samples.yml`: JHipster's default `base64-secret`
    decodes to "my-secret-key-which-should-be-changed-in-production-and-be-base64-encoded" (was high and "looks
    real"); a random base64 key beside it stays high."""
    import base64 as b64
    placeholder = b64.b64encode(b"my-secret-key-which-should-be-changed-in-production-and-be-base64-encoded\n").decode()
    generated = b64.b64encode(bytes(range(7, 250, 3))).decode()
    root = make_repo({
        ".yo-rc.json": f'{{\n  "generator-jhipster": {{\n    "jwtSecretKey": "{placeholder}",\n'
                       f'    "refreshSecretKey": "{generated}"\n  }}\n}}\n',
        "src/main/resources/config/application-secret-samples.yml":
            f"jhipster:\n  security:\n    authentication:\n      jwt:\n        base64-secret: {placeholder}\n",
    })
    assert where(HardcodedSecret, root) == [(".yo-rc.json", 3, "low"), (".yo-rc.json", 4, "high")]


def test_a_spring_placeholder_fallback_whose_key_has_a_hyphen_is_a_fallback_issue_9(make_repo: MakeRepo) -> None:
    """jhipster-sample-app-micronaut `application-dev.yml:74`: `secret: ${jhipster.security.authentication.jwt.
    base64-secret:MzAz...}` was reported as a hardcoded secret named `ster.security.authentication.jwt.base64-secret`
    (the key cut at the hyphen it could not read); it is a hardcoded fallback of that whole property."""
    value = "MzAzMzRmOTVlMzBjZjExMzEyZTBlMWM4MzZlNTQxNDQzMjIyZTA2NDI0MjBhZDhjYzgzOGIx"
    root = make_repo({"src/main/resources/application-dev.yml": (
        "micronaut:\n  security:\n    token:\n      jwt:\n        signatures:\n          secret:\n"
        f"            generator:\n              secret: ${{jhipster.security.authentication.jwt.base64-secret:{value}}}\n")})
    [finding] = findings(HardcodedSecret, root)
    assert (finding.line, finding.severity) == (8, Severity.MEDIUM)
    assert finding.message.startswith(
        "hardcoded fallback for a secret `jhipster.security.authentication.jwt.base64-secret`: when the variable")


def test_template_literals_and_the_alembic_url_template_are_no_secrets_issue_9(make_repo: MakeRepo) -> None:
    """nestjs-boilerplate `test/user/auth.e2e-spec.ts:128` `const userNewPassword = new-secret-${Date.now()}` (a template literal)
    is computed at run time; minimal-fastapi-postgres-template `alembic.ini:61` is Alembic's own template line. A
    literal test password and a real connection-string password beside them are still found."""
    root = make_repo({
        "test/user/auth.e2e-spec.ts": (
            "const userNewPassword = `new-secret-${Date.now()}`;\n"
            "const userOldPassword = 'q8Zr5Lw2Nx7Tb4Yc';\n"),
        "alembic.ini": "[alembic]\nsqlalchemy.url = driver://user:pass@localhost/dbname\n",
        "deploy/app.ini": "[db]\nurl = postgresql://app:Zq8Lw2Nx7Tb4Yc9V@db.internal/app\n",
    })
    assert where(HardcodedSecret, root) == [("deploy/app.ini", 2, "high"), ("test/user/auth.e2e-spec.ts", 2, "low")]

def test_kubernetes_secret_data_is_judged_by_what_it_decodes_to(make_repo: MakeRepo) -> None:
    """quarkus-super-heroes' and full-stack-todo's Secret manifests: `data:` values are base64, which is encoding, not
    encryption. `cGFzc3dvcmQK` is `password`, and a password equal to the user name beside it (`c3VwZXJtYW4=` twice,
    `superman`) is a default credential: low, as the same values in a compose file are. A generated value stays high."""
    root = make_repo({
        "k8s/database-secret.yaml": (
            "apiVersion: v1\nkind: Secret\nmetadata:\n  name: database-secret\ntype: Opaque\ndata:\n"
            "  # username: server\n  DATABASE_USERNAME: c2VydmVyCg==\n"
            "  DATABASE_PASSWORD: cGFzc3dvcmQK\n"                       # 9: `password`
        ),
        "deploy/k8s/heroes.yml": (
            "---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: rest-heroes-config-creds\ndata:\n"
            "  quarkus.datasource.username: c3VwZXJtYW4=\n"
            "  quarkus.datasource.password: c3VwZXJtYW4=\n"             # 8: the user name again
            "  quarkus.mongodb.credentials.password: cTh6cjVMdzJOeDdUYjRZYzlWZDFIczZKazNNZjBQZw==\n"  # 9: generated
            "type: Opaque\n"
        ),
        "deploy/config.yml": "db:\n  password: c3VwZXJtYW4=\n",  # not a Secret manifest: judged as written
    })
    assert where(HardcodedSecret, root) == [
        ("deploy/config.yml", 2, "high"),
        ("deploy/k8s/heroes.yml", 8, "low"),
        ("deploy/k8s/heroes.yml", 9, "high"),
        ("k8s/database-secret.yaml", 9, "low"),
    ]


def _jwt(claims: str) -> str:
    body = base64.urlsafe_b64encode(claims.encode()).decode().rstrip("=")
    return "eyJhbGciOiJIUzUxMiJ9." + body + ".u_fUHf09ONw6CCQW0ERufOgfuGUY1g7hu-o9thMlcVq2z"


def test_expired_tokens_are_low(make_repo: MakeRepo) -> None:
    """macrozheng/mall: a Postman collection's `Bearer` JWTs whose `exp` is in 2018, and a ProcessOn diagram whose
    image URLs are signed download links (`?e=1576142006&token=AK:signature`) that expired in 2019, were high. A
    token that has expired no longer grants access: low, saying so. A JWT without `exp`, or one that expires in
    2100, and a signed URL still valid stay high."""
    expired = _jwt('{"sub":"admin","created":1538991179080,"exp":1539595979}')
    live = _jwt('{"sub":"admin","exp":4102444800}')
    forever = _jwt('{"sub":"admin","created":1538991179080}')
    sig = "trhI0BY8QfVrIGn9nENop6JAc6l5nZuxhjQ62UfM:1syM2a0D54ljvI8LPam4JSz-zNo="
    root = make_repo({
        "document/postman/mall-admin.postman_collection.json": (
            '{"item": [\n'
            f'{{"key": "Authorization", "value": "Bearer {expired}"}},\n'    # 2: expired: low
            f'{{"key": "Authorization", "value": "Bearer {live}"}},\n'       # 3: high
            f'{{"key": "Authorization", "value": "Bearer {forever}"}}\n'     # 4: no expiry: high
            "]}\n"
        ),
        "document/pos/diagram.pos": (
            f'{{"a": {{"fileId": "http://cdn.processon.com/5df1f6a6e4b0c4255e96d825?e=1576142006&token={sig}"}},\n'  # 1
            f'"b": {{"fileId": "http://cdn.processon.com/5dcbab0ee4b0a602173633d9?e=4102444800&token={sig}"}}}}\n'  # 2
        ),
    })
    found = findings(HardcodedSecret, root)
    assert [(f.path, f.line, f.severity.value) for f in found] == [
        ("document/pos/diagram.pos", 1, "low"),
        ("document/pos/diagram.pos", 2, "high"),
        ("document/postman/mall-admin.postman_collection.json", 2, "low"),
        ("document/postman/mall-admin.postman_collection.json", 3, "high"),
        ("document/postman/mall-admin.postman_collection.json", 4, "high"),
    ]
    assert found[2].message.startswith("expired JSON Web Token committed to the repository")
    assert "no longer grants access" in found[0].message


def test_code_references_elisions_and_scope_names_are_not_secrets_issue_9(make_repo: MakeRepo) -> None:
    """polarsource/polar, high findings that were no credentials: a dict entry whose value is a subscript in an
    extension-less Python script (`"POLAR_GITHUB_CLIENT_SECRET": github_app["client_secret"]`), an elided example
    (`"ts_authkey":"tskey-auth-..."`, `sessionToken: 'polar_cst_xxx'`), a Terraform `secret_id` (an identifier), and
    an enum of OAuth scope names (`organization_access_tokens_read = "organization_access_tokens:read"`). A real
    value beside them stays high."""
    root = make_repo({
        "dev/setup-environment": (
            "#!/usr/bin/env python3\nenv = {\n"
            '    "POLAR_GITHUB_CLIENT_SECRET": github_app["client_secret"],\n'
            '    "POLAR_GITHUB_APP_WEBHOOK_SECRET": "q8Zr5Lw2Nx7Tb4Yc9Vd1Hs6Jk3Mf0Pg",\n}\n'  # 4: high
        ),
        "infra/preview/deploy.sh": "#!/bin/sh\n# echo '{\"pr_num\":\"123\",\"ts_authkey\":\"tskey-auth-...\"}' | deploy.sh\n",
        "clients/packages/checkout/src/payment-method.ts": (
            "/**\n * const embed = await create({\n *   sessionToken: 'polar_cst_xxx',\n * })\n */\nexport {}\n"),
        "terraform/modules/ecs_service/main.tf": (
            'resource "aws_secretsmanager_secret_version" "h" {\n'
            "  secret_id     = aws_secretsmanager_secret.logfire_header[0].id\n}\n"),
        "server/polar/auth/scope.py": (
            "from enum import StrEnum\nclass Scope(StrEnum):\n"
            '    organization_access_tokens_read = "organization_access_tokens:read"\n'
            '    organization_access_tokens_write = "organization_access_tokens:write"\n'),
    })
    assert where(HardcodedSecret, root) == [("dev/setup-environment", 4, "high")]


def test_mdx_pages_are_documentation_issue_9(make_repo: MakeRepo) -> None:
    """polarsource/polar's `handbook/**/*.mdx` design documents show example payloads (`"token":
    "polar_cst_abc123xyz"`, `"secret": "test_YWNj..."`): MDX is Markdown, so documentation, low like a `.md` page,
    not a high secret committed in source."""
    page = '# Sessions\n\n```json\n{\n  "token": "q8Zr5Lw2Nx7Tb4Yc9Vd1Hs6Jk3Mf0Pg",\n  "customer_id": "cust_bob_123"\n}\n```\n'
    root = make_repo({"handbook/engineering/design-documents/business-entity.mdx": page,
                      "handbook/engineering/notes.md": page})
    assert where(HardcodedSecret, root) == [
        ("handbook/engineering/design-documents/business-entity.mdx", 5, "low"),
        ("handbook/engineering/notes.md", 5, "low"),
    ]


def test_a_test_runs_env_file_is_tooling_issue_9(make_repo: MakeRepo) -> None:
    """polarsource/polar `server/.env.testing`: `POLAR_AWS_SECRET_ACCESS_KEY=polar123456789` is the local MinIO of
    the test run, the same value its CI workflow passes (low there); a test run's env file is throw-away
    configuration like CI, so low. The same line in a plain `.env` stays high."""
    line = "POLAR_AWS_ACCESS_KEY_ID=polar-development\nPOLAR_AWS_SECRET_ACCESS_KEY=polar123456789\n"
    root = make_repo({"server/.env.testing": line, "server/.env": line})
    assert where(HardcodedSecret, root) == [("server/.env", 2, "high"), ("server/.env.testing", 2, "low")]


def test_lower_case_word_names_are_not_generated_secrets_issue_9(make_repo: MakeRepo) -> None:
    """polarsource/polar: a design system's colour swatches (`{ token: 'background-primary' }`) and a seed script's
    fixture (`client_secret="polar_cl_e2e_seed_checkout_link_subscription"`) were high secrets: lower-case words
    joined by `-`/`_` name things, no generator makes them. A mixed-case or hex value beside them stays high, and a
    password made of words is still a password."""
    root = make_repo({
        "clients/apps/orbit/src/swatches.tsx": (
            "export const SWATCHES = [\n  { token: 'background-primary', note: 'Page background' },\n"
            "  { token: 'q8Zr5Lw2Nx7Tb4Yc9Vd1Hs6Jk3Mf0Pg', note: 'real' },\n"        # 3: high
            "  { token: 'd5f1a9c3-b7e2a4f6-c8d0e2f4a6b8', note: 'hex' },\n];\n"),  # 4: high
        "server/scripts/seeds_load.py": (
            'link = CheckoutLink(client_secret="polar_cl_e2e_seed_checkout_link_subscription")\n'
            'admin = User(password="correct-horse-battery-staple")\n'),               # 2: high
    })
    assert where(HardcodedSecret, root) == [
        ("clients/apps/orbit/src/swatches.tsx", 3, "high"),
        ("clients/apps/orbit/src/swatches.tsx", 4, "high"),
        ("server/scripts/seeds_load.py", 2, "high"),
    ]


def test_a_firebase_client_config_key_is_public_by_design_issue_9(make_repo: MakeRepo) -> None:
    """polarsource/polar `clients/apps/app/google-services.json`: Firebase's generated Android config carries the
    project's `current_key`, an app identifier shipped in every install (Google documents it as not secret): low,
    saying so, not a critical leaked key. The same key in application code stays critical."""
    key = "AIza" + "SyD8k2Lq9Xw3Vb7Nc4Mz1Rt6Yp0Hs5Jf2Ge"
    config = ('{\n  "project_info": {"project_id": "polar-app"},\n  "client": [{\n    "api_key": [\n'
              f'      {{"current_key": "{key}"}}\n    ]\n  }}]\n}}\n')
    root = make_repo({"clients/apps/app/google-services.json": config,
                      "server/polar/maps.py": f'MAPS_KEY = "{key}"\n'})
    assert where(HardcodedSecret, root) == [("clients/apps/app/google-services.json", 5, "low"),
                                            ("server/polar/maps.py", 1, "critical")]


def test_compose_folders_db_init_scripts_and_run_together_secret_words_issue_9(make_repo: MakeRepo) -> None:
    """quarkus-super-heroes: `deploy/docker-compose/java25.yml` is a compose file though its name does not say so,
    `deploy/db-init/initialize-database.js` a MongoDB init script (not application source), and
    `supersecretquarkuspassword` names what it stands for: all were high; now low (configuration) or not reported
    (a default in a script's code). A generated value in the compose file stays medium, as in any compose file."""
    root = make_repo({
        "deploy/docker-compose/java25.yml": (
            "services:\n  rest-fights:\n    environment:\n      QUARKUS_MONGODB_CREDENTIALS_USERNAME: superfight\n"
            "      QUARKUS_MONGODB_CREDENTIALS_PASSWORD: superfight\n"                      # 5: low
            "      API_TOKEN: q8Zr5Lw2Nx7Tb4Yc9Vd1Hs6Jk3Mf0Pg\n"),                       # 6: medium
        "deploy/db-init/initialize-database.js": (
            'db.createUser(\n  {\n    user: "superfight",\n    pwd: "superfight",\n    roles: []\n  }\n);\n'),
        "rest-fights/src/main/resources/application.properties": (
            "%remotedev,remotedevclient.quarkus.live-reload.password=supersecretquarkuspassword\n"),  # 1: low
    })
    assert where(HardcodedSecret, root) == [
        ("deploy/docker-compose/java25.yml", 5, "low"),
        ("deploy/docker-compose/java25.yml", 6, "medium"),
        ("rest-fights/src/main/resources/application.properties", 1, "low"),
    ]


def test_secret_values_never_reach_any_output(make_repo: MakeRepo, tmp_path: Path) -> None:
    secret = "Zq8" + "Lw2Nx7Tb4Yc9Vd1Hs6Jk3M"
    root = make_repo({
        "svc/settings.py": f"SIGNING_KEY = '{secret}'\nGH = '{GITHUB}'\n",
        "svc/db.py": f"URL = 'mysql://app:{secret}@10.0.0.5/app'\n",
        ".env": f"PRIVATE_TOKEN={secret}\n",
    }, git=True)
    out = tmp_path / "out"
    proc = subprocess.run([sys.executable, "-m", "auditor", "audit", str(root), "-o", str(out), "--format", "json,md,html"],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode in (0, 1), proc.stderr
    outputs = [proc.stdout, proc.stderr, *(p.read_text() for p in out.iterdir() if p.is_file())]
    for text in outputs:
        assert secret not in text and GITHUB not in text and GITHUB[:20] not in text
    report = json.loads((out / "report.json").read_text())
    found = [f for c in report["checks"] if c["id"] == "security/hardcoded-secret" for f in c["findings"]]
    assert len(found) == 4 and all("[redacted" in f["snippet"] for f in found)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(value=st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789!#%&*+-./:=?@^_~", min_size=12,
                     max_size=40).filter(lambda v: len(set(v)) > 8),
       key=st.sampled_from(["password", "api_key", "client_secret", "auth_token", "DB_PASSWORD", "signingKey"]),
       style=st.sampled_from(["py", "env", "yaml", "json"]))
def test_no_assigned_secret_survives_in_a_snippet(tmp_path_factory: pytest.TempPathFactory, value: str, key: str,
                                                  style: str) -> None:
    root = tmp_path_factory.mktemp("prop")
    line = {"py": f"{key} = '{value}'\n", "env": f"{key}={value}\n", "yaml": f"{key}: '{value}'\n",
            "json": f'{{"{key}": "{value}"}}\n'}[style]
    name = {"py": "app/conf.py", "env": ".env", "yaml": "config/app.yaml", "json": "config/app.json"}[style]
    write_tree(root, {name: line})
    for f in findings(HardcodedSecret, root):
        assert value not in f.snippet and value not in f.message


# -- injection -------------------------------------------------------------------------------------------------
PY_SQL = """\
from sqlalchemy import text
TABLE = "users"

def find(cur, session, uid, name, order):
    cur.execute(f"SELECT * FROM users WHERE id = {uid}")
    cur.execute("SELECT * FROM users WHERE id = %s", (uid,))
    cur.execute("SELECT * FROM users WHERE name = '" + name + "'")
    query = "SELECT * FROM users WHERE name = '%s'" % name
    cur.execute(query)
    session.execute(text(f"SELECT * FROM users ORDER BY {order}"))
    session.execute(text("SELECT * FROM users WHERE id = :id"), {"id": uid})
    cur.execute(f"SELECT count(*) FROM {TABLE}")
    log.info(f"looked up {uid}")
    requests.get(f"https://api.example.com/users/{uid}")
"""


def test_sql_built_from_strings_and_parameterised_twins(make_repo: MakeRepo) -> None:
    root = make_repo({"app/repo.py": PY_SQL})
    assert where(SqlInjection, root) == [
        ("app/repo.py", 5, "high"), ("app/repo.py", 7, "high"), ("app/repo.py", 9, "high"),
        ("app/repo.py", 10, "high"), ("app/repo.py", 12, "low"),
    ]
    via = findings(SqlInjection, root)[2]
    assert "through `query`" in via.message and via.confidence is Confidence.MEDIUM


GO_SQL = """\
package store

import (
	"fmt"
	"strings"

	"github.com/jinzhu/gorm"
)

func (s *Store) Find(name string, ids []int, order string) {
	s.db.Query("SELECT * FROM users WHERE name = '" + name + "'")
	s.db.Query(fmt.Sprintf("SELECT * FROM users ORDER BY %s", order))
	s.db.Query("SELECT * FROM users WHERE name = $1", name)
	placeholders := strings.Repeat(",?", len(ids)-1)
	query := fmt.Sprintf("SELECT * FROM products WHERE id IN (?%s)", placeholders)
	s.db.Query(query, ids)
	s.db.Exec(fmt.Sprintf("DROP TABLE %s", pq.QuoteIdentifier(name)))
}

func softDelete(scope *gorm.Scope) {
	scope.Raw(fmt.Sprintf("UPDATE %v SET deleted_on=%v%v", scope.QuotedTableName(),
		scope.AddToVars(1), addExtraSpaceIfExist(scope.CombinedConditionSql()))).Exec()
}
"""


def test_go_sql_built_from_strings_and_safe_builders(make_repo: MakeRepo) -> None:
    """An IN list of `?` placeholders (ecom `store.go:46`), a quoted identifier and GORM v1's soft-delete callback
    (go-gin-example `models.go:89`) are not injectable; concatenation and `%s` of a parameter are."""
    root = make_repo({"store/store.go": GO_SQL})
    assert where(SqlInjection, root) == [("store/store.go", 11, "high"), ("store/store.go", 12, "high")]
    assert "`name`" in findings(SqlInjection, root)[0].message


def test_sql_built_from_the_environment_is_low(make_repo: MakeRepo) -> None:
    """fastify/demo's `scripts/drop-database.ts`: a database name the operator sets is no injection path; a request
    value beside it still is."""
    root = make_repo({"scripts/drop.ts": (
        "import { Connection } from 'mysql2/promise'\n"
        "async function dropDB (connection: Connection) {\n"
        "  await connection.query(`DROP DATABASE IF EXISTS \\`${process.env.MYSQL_DATABASE}\\``)\n"
        "}\n"
        "async function find (connection: Connection, name: string) {\n"
        "  await connection.query(`SELECT * FROM ${process.env.TABLE} WHERE name = '${name}'`)\n"
        "}\n"
    )})
    assert where(SqlInjection, root) == [("scripts/drop.ts", 3, "low"), ("scripts/drop.ts", 6, "high")]
    assert "only from the environment" in findings(SqlInjection, root)[0].message


def test_java_sql_concatenated_from_numbers_and_entity_ids_is_low_issue_9(make_repo: MakeRepo) -> None:
    """spring-petclinic-rest `JpaPetTypeRepositoryImpl.java:80` and `SpringDataPetRepositoryImpl.java:39` were medium:
    `Integer petTypeId = petType.getId()`, `String petId = pet.getId().toString()`, `pet.getId()` cannot change the
    query. A String parameter or a String local from elsewhere beside them still can."""
    root = make_repo({"src/main/java/app/PetRepo.java": (
        "package app;\n"
        "public class PetRepo {\n"
        "    private EntityManager em;\n"
        "    public void delete(PetType petType, Pet pet, int limit) {\n"
        "        Integer petTypeId = petType.getId();\n"
        "        String petId = pet.getId().toString();\n"
        "        this.em.createQuery(\"SELECT pet FROM Pet pet WHERE type.id=\" + petTypeId).getResultList();\n"
        "        this.em.createQuery(\"DELETE FROM Pet pet WHERE id=\" + pet.getId()).executeUpdate();\n"
        "        this.em.createQuery(\"DELETE FROM Visit visit WHERE pet.id=\" + petId + \" LIMIT \" + limit).executeUpdate();\n"
        "    }\n"
        "    public void byName(String name, Pet pet) {\n"
        "        String owner = pet.getOwner().getLastName();\n"
        "        this.em.createQuery(\"SELECT pet FROM Pet pet WHERE name='\" + name + \"'\").getResultList();\n"
        "        this.em.createQuery(\"SELECT pet FROM Pet pet WHERE owner='\" + owner + \"'\").getResultList();\n"
        "    }\n"
        "}\n"
    )})
    path = "src/main/java/app/PetRepo.java"
    assert where(SqlInjection, root) == [(path, 7, "low"), (path, 8, "low"), (path, 9, "low"), (path, 13, "high"),
                                         (path, 14, "medium")]
    assert "numbers and entity ids" in findings(SqlInjection, root)[0].message

def test_sql_built_from_the_services_settings_is_low_issue_9(make_repo: MakeRepo) -> None:
    """polarsource/polar `scripts/db.py`: `read_user = settings.POSTGRES_READ_USER` then
    `text(f"GRANT USAGE ON SCHEMA public TO {read_user}")` (Postgres takes no bound role names): the operator's own
    setting, no request reaches it: low, saying so. A value computed from a request beside it stays medium."""
    root = make_repo({"server/scripts/db.py": (
        "from sqlalchemy import create_engine, text\nfrom polar.config import settings\n"
        "def _grant_read_user_permissions() -> None:\n"
        "    read_user = settings.POSTGRES_READ_USER\n"
        "    engine = create_engine(settings.DSN)\n"
        "    with engine.connect() as conn:\n"
        "        conn.execute(text(f\"GRANT USAGE ON SCHEMA public TO {read_user}\"))\n"       # 7
        "def search(conn, request) -> None:\n"
        "    term = request.query_params['q']\n"
        "    conn.execute(text(f\"SELECT * FROM users WHERE name = '{term}'\"))\n")})        # 10
    found = findings(SqlInjection, root)
    assert [(f.line, f.severity.value) for f in found] == [(7, "low"), (10, "medium")]
    assert "only from the service's settings" in found[0].message


def test_shell_commands_built_from_strings(make_repo: MakeRepo) -> None:
    root = make_repo({"app/tasks.py": (
        "import os, subprocess\n"
        "def convert(name, cmd):\n"
        "    os.system(f'convert {name} out.png')\n"
        "    subprocess.run(f'tar czf {name}.tgz', shell=True)\n"
        "    subprocess.run(['convert', name, 'out.png'])\n"
        "    subprocess.run(f'echo {name}')\n"
        "    os.system('uptime')\n"
    )})
    assert where(CommandInjection, root) == [("app/tasks.py", 3, "high"), ("app/tasks.py", 4, "high")]


# -- endpoints: auth, validation, headers, rate limits ---------------------------------------------------------
FLASK_OPEN = """\
from flask import Flask, request, jsonify
app = Flask(__name__)

@app.route("/items", methods=["POST"])
def create_item():
    data = request.get_json()
    return jsonify(data), 201

@app.route("/items", methods=["GET"])
def list_items():
    return jsonify([])

@app.route("/login", methods=["POST"])
def login():
    return jsonify(token="x")
"""

FASTAPI_GUARDED = """\
from fastapi import APIRouter, Depends, FastAPI
from pydantic import BaseModel
from slowapi import Limiter
from app.auth import get_current_user

class ItemIn(BaseModel):
    name: str

app = FastAPI()
router = APIRouter(prefix="/items", dependencies=[Depends(get_current_user)])
open_router = APIRouter(prefix="/open")

@router.post("")
def create_item(body: ItemIn):
    return body

@open_router.delete("/{item_id}")
def delete_item(item_id: int):
    return None

app.include_router(router)
app.include_router(open_router)

@app.middleware("http")
async def headers(request, call_next):
    response = await call_next(request)
    response.headers["Strict-Transport-Security"] = "max-age=63072000"
    return response
"""


def test_missing_auth_project_wide_and_per_endpoint(make_repo: MakeRepo) -> None:
    open_app = make_repo({"app.py": FLASK_OPEN})
    (finding,) = findings(MissingAuth, open_app)
    assert finding.severity is Severity.HIGH and "no authentication is used anywhere" in finding.message
    assert "POST /items" in finding.message and "/login" not in finding.message
    guarded = make_repo({"app/main.py": FASTAPI_GUARDED, "app/auth.py": "import jwt\ndef get_current_user(): ...\n"})
    assert [(f.message.split("`")[1], f.severity.value, f.confidence.value) for f in findings(MissingAuth, guarded)] == [
        ("DELETE /open/{item_id}", "medium", "low")]


def test_annotated_dependencies_and_app_level_admin_guard_issue_9(make_repo: MakeRepo) -> None:
    """polarsource/polar: handlers take their authentication as `auth_subject: auth.MemberWrite`, an alias
    `MemberWrite = Annotated[AuthSubject[User | Organization], Depends(_MemberWrite)]` of another module (FastAPI's
    documented style, also in a module of 3.12 syntax), and the back office is an app built
    with `FastAPI(dependencies=[Depends(get_admin)])`: 158 of its mutating endpoints were "no authentication". A
    plain annotation (`body: ItemIn`) and a database session alias (`SessionDep`) guard nothing."""
    root = make_repo({
        "polar/member/auth.py": (
            "from typing import Annotated\nfrom fastapi import Depends\nfrom polar.auth import Authenticator, AuthSubject\n"
            "_MemberWrite = Authenticator(required_scopes={'members:write'})\n"
            "MemberWrite = Annotated[AuthSubject[User | Organization], Depends(_MemberWrite)]\n"
        ),
        "polar/deps.py": (
            "from typing import Annotated\nfrom fastapi import Depends\nimport jwt\n"
            "CurrentUser = Annotated[User, Depends(get_current_user)]\n"
            "def first[T](items: list[T]) -> T: ...\n"
            "SessionDep = Annotated[AsyncSession, Depends(get_db_session)]\n"
        ),
        "polar/member/endpoints.py": (
            "from typing import Annotated\nfrom uuid import UUID\nfrom fastapi import Depends\n"
            "from polar.routing import APIRouter\nfrom polar.deps import CurrentUser, SessionDep\nfrom . import auth\n"
            "router = APIRouter(prefix='/members')\n"
            "@router.delete('/external/{external_id}', status_code=204)\n"
            "async def delete_member_by_external_id(external_id: str, auth_subject: auth.MemberWrite,\n"
            "                                       session: SessionDep) -> None: ...\n"
            "@router.post('/me')\n"
            "async def update_me(user: CurrentUser, session: SessionDep) -> None: ...\n"
            "@router.post('/inline')\n"
            "async def inline(user: Annotated[User, Depends(get_current_user)]) -> None: ...\n"
            "@router.post('/open')\n"                                      # 15: a plain type and a db session
            "async def open_one(body: ItemIn, session: SessionDep) -> None: ...\n"
        ),
        "polar/backoffice/__init__.py": (
            "from fastapi import Depends, FastAPI\nfrom .dependencies import get_admin\nfrom .orders import router\n"
            "app = FastAPI(dependencies=[Depends(get_admin)], docs_url=None)\n"
            "app.include_router(router, prefix='/orders')\n"
        ),
        "polar/backoffice/orders.py": (
            "from fastapi import APIRouter\nrouter = APIRouter()\n"
            "@router.post('/{id}/refund')\nasync def refund(id: str) -> None: ...\n"
        ),
    })
    assert [(f.path, f.line, f.message.split("`")[1]) for f in findings(MissingAuth, root)] == [
        ("polar/member/endpoints.py", 15, "POST /members/open")]


def test_capability_urls_and_validation_endpoints_are_public_by_purpose_issue_9(make_repo: MakeRepo) -> None:
    """polarsource/polar: `POST /checkouts/client/{client_secret}/opened` is authorised by the secret in its URL (an
    anonymous buyer's checkout page), and `POST /license-keys/validate` is documented as needing no authentication
    (a desktop app checks its key), and `POST /customer-session/authenticate` is the log-in itself. None is "no
    authentication"; `POST /checkouts/{id}/refund` still is."""
    root = make_repo({"polar/checkout/endpoints.py": (
        "from fastapi import APIRouter, Depends\nimport jwt\nrouter = APIRouter(prefix='/checkouts')\n"
        "@router.post('/client/{client_secret}/opened')\n"
        "async def client_opened(client_secret: str, session: AsyncSession = Depends(get_db_session)): ...\n"
        "@router.post('/license-keys/validate')\nasync def validate(body: LicenseKeyValidate): ...\n"
        "@router.post('/customer-session/authenticate')\nasync def authenticate(body: CodeAuthenticate): ...\n"
        "@router.post('/{id}/refund')\nasync def refund(id: str): ...\n")})
    assert [(f.line, f.message.split("`")[1]) for f in findings(MissingAuth, root)] == [
        (10, "POST /checkouts/{id}/refund")]


def test_a_handler_documented_as_public_is_public_issue_9(make_repo: MakeRepo) -> None:
    """polarsource/polar `license_keys.py:202`: `POST /license-keys/deactivate`'s docstring says "This endpoint
    doesn't require authentication and can be safely used on a public client": the author says it is public on
    purpose. The route declared after it, without such a note, is still reported."""
    root = make_repo({"polar/customer_portal/license_keys.py": (
        "from fastapi import APIRouter, Depends\nimport jwt\nrouter = APIRouter(prefix='/license-keys')\n"
        "@router.post(\n    '/deactivate',\n    status_code=204,\n)\n"
        "async def deactivate(deactivate: LicenseKeyDeactivate, session: AsyncSession = Depends(get_db_session)) -> None:\n"
        '    """\n    Deactivate a license key instance.\n\n'
        "    > This endpoint doesn't require authentication and can be safely used on a public\n"
        '    > client, like a desktop application or a mobile app.\n    """\n'
        "@router.post('/{id}/rotate')\nasync def rotate(id: str) -> None:\n    \"\"\"Rotate a key.\"\"\"\n")})
    assert [(f.line, f.message.split("`")[1]) for f in findings(MissingAuth, root)] == [
        (15, "POST /license-keys/{id}/rotate")]


DJANGO_FUNDRAISING_VIEWS = """from django.contrib.auth.decorators import login_required
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST


@require_POST
def configure_checkout_session(request):
    return create_session(request.POST)


@require_POST
@csrf_exempt
def receive_webhook(request):
    return verify_and_store(request.body, request.headers["Stripe-Signature"])


@require_POST
@csrf_exempt
def stripe_events(request):
    return verify_and_store(request.body, request.headers["Stripe-Signature"])


@require_POST
@login_required
def update_card(request):
    return save_card(request.user, request.POST)
"""
DJANGO_MEMBERS_VIEWS = """from django.views.generic import CreateView


class CorporateMemberSignUpView(CreateView):
    fields = ["display_name"]


class IndividualMemberApplyView(CreateView):
    fields = ["name"]


class TeamJoinView(CreateView):
    fields = ["team"]
"""


def test_django_webhooks_password_reset_and_membership_join_are_public_issue_9(make_repo: MakeRepo) -> None:
    """djangoproject.com: `POST /fundraising/receive-webhook` (`views.receive_webhook`, a Stripe receiver checking
    its signature), `POST /reset/<uidb64>/<token>` served by `auth_views.PasswordResetConfirmView.as_view()` and
    `POST /foundation/corporate-membership/join` (a public sign-up CreateView) are public by purpose. Each rule is
    tried alone: a webhook by a verb-prefixed path (`incoming-webhook/` on `views.stripe_events`) or handler
    (`hooks/stripe/` on `views.receive_webhook`), a password reset by its handler with `.as_view()` stripped
    (`recover/<uidb64>/<key>/`), a sign-up by its handler (`CorporateMemberSignUpView.as_view()` on `enrol/`) or by
    `join` as the last segment (`individual-membership/join/`). Still reported: the checkout session, and
    `/teams/<int:pk>/join`, a logged-in user joining that team."""
    root = make_repo({
        "fundraising/urls.py": (
            "from django.urls import path\n\nfrom . import views\n\napp_name = 'fundraising'\nurlpatterns = [\n"
            "    path('donation-session', views.configure_checkout_session, name='donation-session'),\n"
            "    path('receive-webhook/', views.receive_webhook, name='receive-webhook'),\n"
            "    path('hooks/stripe/', views.receive_webhook),\n"
            "    path('incoming-webhook/', views.stripe_events),\n"
            "    path('update-card/', views.update_card, name='update-card'),\n]\n"),
        "fundraising/views.py": DJANGO_FUNDRAISING_VIEWS,
        "members/urls.py": (
            "from django.urls import path\n\nfrom members.views import (\n    CorporateMemberSignUpView,\n"
            "    IndividualMemberApplyView,\n    TeamJoinView,\n)\n\nurlpatterns = [\n"
            "    path('corporate-membership/join/', CorporateMemberSignUpView.as_view(), name='corporate-members-join'),\n"
            "    path('corporate-membership/enrol/', CorporateMemberSignUpView.as_view()),\n"
            "    path('individual-membership/join/', IndividualMemberApplyView.as_view()),\n"
            "    path('teams/<int:pk>/join/', TeamJoinView.as_view()),\n]\n"),
        "members/views.py": DJANGO_MEMBERS_VIEWS,
        "djangoproject/urls.py": (
            "from django.contrib.auth import views as auth_views\nfrom django.urls import include, path\n\n"
            "urlpatterns = [\n"
            "    path('reset/<uidb64>/<token>/', auth_views.PasswordResetConfirmView.as_view(),\n"
            "         name='password_reset_confirm'),\n"
            "    path('recover/<uidb64>/<key>/', auth_views.PasswordResetConfirmView.as_view()),\n"
            "    path('fundraising/', include('fundraising.urls')),\n"
            "    path('foundation/', include('members.urls')),\n]\n"),
    })
    assert [(f.path, f.line, f.message.split("`")[1]) for f in findings(MissingAuth, root)] == [
        ("fundraising/urls.py", 7, "POST /fundraising/donation-session"),
        ("members/urls.py", 13, "POST /foundation/teams/<int:pk>/join"),
    ]


def test_go_routes_reach_missing_auth_with_their_middleware(make_repo: MakeRepo) -> None:
    """gin routes carry the middleware of their group; sign-up and token renewal are public by purpose."""
    root = make_repo({"main.go": (
        "package main\nimport \"github.com/gin-gonic/gin\"\n"
        "func main() {\n\tr := gin.Default()\n\tr.POST(\"/users\", UsersRegistration)\n"
        "\tr.POST(\"/tokens/renew_access\", renew)\n\tr.POST(\"/upload\", upload)\n"
        "\tauthed := r.Group(\"/\").Use(authMiddleware(maker))\n\tauthed.POST(\"/accounts\", createAccount)\n}\n")})
    assert [(f.line, f.message) for f in findings(MissingAuth, root)] == [
        (7, "`POST /upload` changes data and has no authentication dependency, guard or decorator in reach")]


def test_sign_up_is_public_by_purpose(make_repo: MakeRepo) -> None:
    """simplebank: `POST /users` handled by `createUser` beside login, outside the guarded group, is sign-up; a
    bank account created without a guard is not."""
    root = make_repo({"api/server.go": (
        "package api\nimport \"github.com/gin-gonic/gin\"\n"
        "func (server *Server) setupRouter() {\n\trouter := gin.Default()\n"
        "\trouter.POST(\"/users\", server.createUser)\n\trouter.POST(\"/users/login\", server.loginUser)\n"
        "\trouter.POST(\"/accounts\", server.createAccount)\n"
        "\tauthRoutes := router.Group(\"/\").Use(authMiddleware(server.tokenMaker))\n"
        "\tauthRoutes.POST(\"/transfers\", server.createTransfer)\n}\n")})
    assert [(f.line, f.message) for f in findings(MissingAuth, root)] == [
        (7, "`POST /accounts` changes data and has no authentication dependency, guard or decorator in reach")]


def test_flask_users_blueprint_post_new_is_sign_up_issue_9(make_repo: MakeRepo) -> None:
    """microblog-api `api/users.py:17`: `@users.route('/users', methods=['POST'])` on `def new` ("Register a new
    user") was medium; a POST to another collection without a guard still is."""
    root = make_repo({"api/users.py": (
        "from flask import Blueprint\nfrom apifairy import authenticate\nfrom api.auth import token_auth\n"
        "users = Blueprint('users', __name__)\n\n"
        "@users.route('/users', methods=['POST'])\ndef new(args):\n    return User(**args)\n\n"
        "@users.route('/users', methods=['PUT'])\n@authenticate(token_auth)\ndef put(data):\n    return data\n\n"
        "@users.route('/posts', methods=['POST'])\ndef new_post(args):\n    return args\n"),
        "api/auth.py": "from flask_httpauth import HTTPTokenAuth\ntoken_auth = HTTPTokenAuth()\n"})
    assert [(f.line, f.message) for f in findings(MissingAuth, root)] == [
        (15, "`POST /posts` changes data and has no authentication dependency, guard or decorator in reach")]


MICRONAUT_RESOURCE = """package app.web.rest;
import io.micronaut.http.annotation.*;
import io.micronaut.security.annotation.Secured;
@Controller("/api")
public class LabelResource {
    @Put("/labels")
    public Label updateLabel(@Body Label label) { return label; }
    @Delete("/operations/{id}")
    public void deleteOperation(@PathVariable Long id) { }
    @Post("/webhooks-in/{id}")
    public void receive(@PathVariable Long id) { }
}
"""


def test_micronaut_intercept_url_map_guards_the_routes_it_matches_issue_9(make_repo: MakeRepo) -> None:
    """jhipster-sample-app-micronaut: `micronaut.security.intercept-url-map` in application.yml has
    `/api/**: isAuthenticated()` after the anonymous patterns; `PUT /api/labels` and `DELETE /api/operations/{id}`
    were medium missing-auth. The first matching pattern decides, as Micronaut does."""
    config = ("micronaut:\n  security:\n    enabled: true\n    intercept-url-map:\n"
              "      - pattern: /api/webhooks-in/**\n        access: isAnonymous()\n"
              "      - pattern: /api/**\n        access: isAuthenticated()\n")
    root = make_repo({"src/main/java/app/web/rest/LabelResource.java": MICRONAUT_RESOURCE,
                      "src/main/resources/application.yml": config})
    assert [(f.line, f.message.split("`")[1]) for f in findings(MissingAuth, root)] == [(10, "POST /api/webhooks-in/{id}")]
    (root / "src/main/resources/application.yml").write_text("micronaut:\n  security:\n    enabled: true\n")
    assert len(findings(MissingAuth, root)) == 3


def test_missing_auth_sees_rust_extractors_and_middleware(make_repo: MakeRepo) -> None:
    axum = (
        "use axum::{routing::{get, post}, Router};\n"
        "pub fn app() -> Router {\n    Router::new()\n"
        "        .route(\"/notes\", post(create_note))\n        .route(\"/notes/:id\", get(show).delete(remove))\n}\n"
        "async fn create_note(user: AuthUser, Json(n): Json<NewNote>) {}\n"
        "async fn show(Path(id): Path<i64>) {}\n"
        "async fn remove(Path(id): Path<i64>) {}\n"
    )
    extractor = ("#[async_trait]\nimpl<S> FromRequestParts<S> for AuthUser {\n"
                 "    async fn from_request_parts(parts: &mut Parts, _s: &S) -> Result<Self, ApiError> {\n"
                 "        let token = bearer(parts).ok_or(ApiError::Unauthorized)?;\n"
                 "        decode_jwt(token)\n    }\n}\n")
    root = make_repo({"src/routes.rs": axum, "src/auth.rs": extractor})
    assert [(f.message.split("`")[1], f.severity.value) for f in findings(MissingAuth, root)] == [
        ("DELETE /notes/:id", "medium")]
    wrapped = make_repo({"src/main.rs": (
        "use actix_web::{web, App};\nuse actix_web_httpauth::middleware::HttpAuthentication;\n"
        "fn main() { App::new().wrap(HttpAuthentication::bearer(validator)).configure(routes); }\n"
        "fn routes(cfg: &mut web::ServiceConfig) { cfg.route(\"/notes\", web::post().to(create)); }\n")})
    assert findings(MissingAuth, wrapped) == []


def test_rust_test_modules_inside_source_files_are_test_code(make_repo: MakeRepo) -> None:
    # lemmy crates/diesel_utils/src/schema_setup/mod.rs:455, crates/db_schema/src/impls/local_user_invite.rs:168
    root = make_repo({"src/db.rs": (
        "pub fn find(conn: &mut PgConnection, name: &str) {\n"
        "    conn.batch_execute(&format!(\"SELECT * FROM users WHERE name = '{}'\", name));\n}\n"
        "#[cfg(test)]\nmod tests {\n"
        "    fn seed(conn: &mut PgConnection, id: &str) {\n"
        "        conn.batch_execute(&format!(\"INSERT INTO users (id) VALUES ('{}')\", id));\n    }\n"
        "    #[test]\n    fn invite() { let token = \"tk_9fJ2mQ7vXb4LpR8s\"; }\n}\n"
        "pub fn live() -> &'static str { let token = \"tk_9fJ2mQ7vXb4LpR8s\"; token }\n")})
    assert where(SqlInjection, root) == [("src/db.rs", 2, "high")]
    assert [(f.line, f.severity.value, f.message.split(" (")[0]) for f in findings(HardcodedSecret, root)] == [
        (10, "low", "hardcoded secret `token` in test code"), (12, "high", "hardcoded secret `token` committed to the repository")]


def test_input_validation_counts_endpoints(make_repo: MakeRepo) -> None:
    open_app = make_repo({"app.py": FLASK_OPEN})
    assert [(f.line, f.message) for f in findings(InputValidation, open_app)] == [
        (4, "`POST /items` reads `request.get_json` without a schema or validator")]
    guarded = make_repo({"app/main.py": FASTAPI_GUARDED, "app/auth.py": "def get_current_user(): ...\n"})
    assert findings(InputValidation, guarded) == []
    facts = security_facts(context(guarded))["input_validation"]
    assert facts == {"endpoints": 2, "validated": 1, "raw": 0, "unknown": 0, "none": 1}


def test_a_handler_shared_by_put_and_delete_reads_the_body_for_put(make_repo: MakeRepo) -> None:
    """flask-vue-crud's `single_book`: `request.get_json()` under `if request.method == 'PUT'`; DELETE has no body."""
    root = make_repo({"app.py": (
        "from flask import Flask, request, jsonify\napp = Flask(__name__)\n\n"
        "@app.route('/books/<book_id>', methods=['PUT', 'DELETE'])\n"
        "def single_book(book_id):\n"
        "    if request.method == 'PUT':\n"
        "        data = request.get_json()\n"
        "    return jsonify({})\n")})
    assert [(f.line, f.message) for f in findings(InputValidation, root)] == [
        (4, "`PUT /books/<book_id>` reads `request.get_json` without a schema or validator")]


def test_headers_and_rate_limiting_present_or_not(make_repo: MakeRepo) -> None:
    open_app = make_repo({"app.py": FLASK_OPEN})
    assert [f.confidence for f in findings(SecurityHeaders, open_app)] == [Confidence.LOW]
    assert [f.confidence for f in findings(RateLimiting, open_app)] == [Confidence.LOW]
    guarded = make_repo({"app/main.py": FASTAPI_GUARDED, "app/auth.py": "def get_current_user(): ...\n"})
    assert findings(SecurityHeaders, guarded) == [] and findings(RateLimiting, guarded) == []
    no_http = make_repo({"lib.py": "def f():\n    return 1\n"})
    with pytest.raises(NotApplicable):
        RateLimiting().run(context(no_http))


def test_rate_limiting_in_a_gateway_config_counts_a_comment_does_not(make_repo: MakeRepo) -> None:
    commented = make_repo({"app.py": FLASK_OPEN + "# TODO: add rate limiting (throttle) here\n"})
    assert len(findings(RateLimiting, commented)) == 1
    nginx = "limit_req_zone $binary_remote_addr zone=api:10m rate=5r/s;\n"
    gateway = make_repo({"app.py": FLASK_OPEN, "deploy/nginx/site.conf": nginx})
    assert findings(RateLimiting, gateway) == []


# -- CORS, JWT, debug ----------------------------------------------------------------------------------------
def test_cors_wildcards_and_credentials(make_repo: MakeRepo) -> None:
    root = make_repo({
        "app/main.py": (
            "from fastapi import FastAPI\nfrom fastapi.middleware.cors import CORSMiddleware\napp = FastAPI()\n"
            "app.add_middleware(CORSMiddleware, allow_origins=['*'], allow_credentials=True)\n"
        ),
        "proj/settings.py": "CORS_ALLOW_ALL_ORIGINS = True\n",
    })
    assert where(InsecureCors, root) == [("app/main.py", 4, "high"), ("proj/settings.py", 1, "high")]
    safe = make_repo({"app/main.py": (
        "from fastapi import FastAPI\nfrom fastapi.middleware.cors import CORSMiddleware\napp = FastAPI()\n"
        "app.add_middleware(CORSMiddleware, allow_origins=['https://app.example.com'], allow_credentials=True)\n"
    )})
    assert findings(InsecureCors, safe) == []
    assert security_facts(context(safe))["cors"] == {"configured": True, "wildcard_origin": False, "credentials": True,
                                                     "where": ["app/main.py:4"]}


def test_cors_credentials_belong_to_their_own_config_issue_9(make_repo: MakeRepo) -> None:
    """polarsource/polar `app.py`: one CORSConfig for its own frontend (its origins, credentials on) and one for the
    public API (`allow_origins=["*"]`, `allow_credentials=False`). The wildcard was reported at high "and
    credentials" because the other config allowed them: it is medium (any origin, no cookies). A wildcard and
    credentials in one config stay high."""
    app = (
        "from polar.kit.cors import CORSConfig, CORSMatcherMiddleware\n"
        "def configure(settings):\n"
        "    configs = []\n"
        "    frontend = CORSConfig(\n"
        "        lambda origin, scope: origin in settings.CORS_ORIGINS,\n"
        "        allow_origins=settings.CORS_ORIGINS,\n"
        "        allow_credentials=True,  # Cookies are allowed, but only there!\n"
        "        allow_methods=['*'],\n"
        "    )\n"
        "    configs.append(frontend)\n"
        "    api = CORSConfig(\n"
        "        lambda origin, scope: True,\n"
        "        allow_origins=['*'],\n"                                 # 13
        "        allow_credentials=False,  # No cookies allowed\n"
        "        allow_methods=['*'],\n"
        "    )\n"
        "    configs.append(api)\n"
    )
    root = make_repo({"server/polar/app.py": app})
    (finding,) = findings(InsecureCors, root)
    assert (finding.line, finding.severity) == (13, Severity.MEDIUM) and "credentials" not in finding.message
    both = make_repo({"server/polar/app.py": app.replace("allow_credentials=False", "allow_credentials=True")})
    assert [(f.line, f.severity) for f in findings(InsecureCors, both)] == [(13, Severity.HIGH)]


def test_jwt_expiry_verification_and_secret_length(make_repo: MakeRepo) -> None:
    root = make_repo({"app/tokens.py": (
        "import jwt, os, datetime\n"
        "def issue(uid):\n"
        "    return jwt.encode({'sub': uid}, 'short-secret', algorithm='HS256')\n"
        "def issue_ok(uid):\n"
        "    payload = {'sub': uid, 'exp': datetime.datetime.utcnow() + datetime.timedelta(minutes=15)}\n"
        "    return jwt.encode(payload, os.environ['JWT_KEY'], algorithm='HS256')\n"
        "def read(token):\n"
        "    return jwt.decode(token, options={'verify_signature': False})\n"
        "def read_ok(token):\n"
        "    return jwt.decode(token, os.environ['JWT_KEY'], algorithms=['HS256'])\n"
    )})
    assert [(f.line, f.severity.value, f.message.split(":")[0]) for f in findings(JwtMisuse, root)] == [
        (3, "medium", "a JWT is issued without an `exp` claim"),
        (3, "medium", "the HS256 signing secret is a 12-byte literal"),
        (8, "high", "a JWT is decoded without verifying its signature"),
    ]


def test_a_projects_own_jwt_wrapper_is_not_judged_by_pyjwts_defaults_issue_9(make_repo: MakeRepo) -> None:
    """polarsource/polar `oauth_accounts.py:105`: `from polar.kit import jwt; jwt.encode(data=state, secret=...,
    type="customer_oauth")` calls the project's own wrapper, which sets an expiry by default
    (`expires_in=DEFAULT_EXPIRATION`): no "without an `exp` claim" finding. PyJWT's encode stays judged."""
    wrapper = ("import jwt as _jwt\nDEFAULT_EXPIRATION = 3600\n"
               "def encode(*, data, secret, expires_in=DEFAULT_EXPIRATION, type):\n"
               "    to_encode = {**data, 'type': type, 'exp': expires_in}\n"
               "    return _jwt.encode(to_encode, secret, algorithm='HS256')\n")
    root = make_repo({
        "polar/kit/jwt.py": wrapper,
        "polar/customer_portal/oauth_accounts.py": (
            "from polar.config import settings\nfrom polar.kit import jwt\n"
            "def authorize(customer_id):\n    state = {'customer_id': customer_id}\n"
            "    return jwt.encode(data=state, secret=settings.SECRET, type='customer_oauth')\n"),
        "app/tokens.py": "import jwt, os\ndef issue(uid):\n    return jwt.encode({'sub': uid}, os.environ['K'], algorithm='HS256')\n",
    })
    assert [(f.path, f.line, f.message.split(":")[0]) for f in findings(JwtMisuse, root)] == [
        ("app/tokens.py", 3, "a JWT is issued without an `exp` claim")]


def test_debug_mode_outside_development(make_repo: MakeRepo) -> None:
    root = make_repo({
        "proj/settings/base.py": "DEBUG = True\n",
        "proj/settings/dev.py": "DEBUG = True\n",
        "proj/settings/prod.py": "import os\nDEBUG = os.environ.get('DEBUG', 'True') == 'True'\n",
        "app.py": "from flask import Flask\napp = Flask(__name__)\napp.run(debug=True)\n",
    })
    assert where(DebugMode, root) == [("app.py", 3, "medium"), ("proj/settings/base.py", 1, "high"),
                                      ("proj/settings/prod.py", 2, "medium")]


def test_made_up_provider_shaped_fixtures_are_not_live_keys(make_repo: MakeRepo) -> None:
    root = make_repo({"app/fixtures.py": (
        "TOKEN = 'ghs_loopbackTESTtoken0123456789abcdefABCD'\n"  # a word and a run: invented
        "SLACK = 'xoxb-2417359081-5093318644-AbCdEfGhIjKlMnOpQrStUvWx'\n"  # AbCdEf...: invented
        f"REAL = '{GITHUB}'\n"
    )})
    assert where(HardcodedSecret, root) == [("app/fixtures.py", 1, "high"), ("app/fixtures.py", 2, "high"),
                                            ("app/fixtures.py", 3, "critical")]


def test_a_fallback_in_a_comment_is_not_code(make_repo: MakeRepo) -> None:
    root = make_repo({"app/settings.py": (
        "FLAG = 1  # e.g. os.environ.get('SECRET_KEY', 'dev-secret') would be a weak fallback\n"
        "KEY = os.environ.get('SECRET_KEY', 'dev-secret')  # this one is code\n"
    )})
    assert where(HardcodedSecret, root) == [("app/settings.py", 2, "medium")]


def test_prose_about_tokens_is_not_a_secret() -> None:
    """auditor's own analysis/rust.py:891 was a high finding: a docstring saying "a macro's tokens: `x.unwrap()`"."""
    from analysis.secrets import scan_secrets

    assert scan_secrets("a.py", b'    """Calls written inside a macro\'s tokens: `x.unwrap()`, `f(a)`."""\n') == ()
    assert scan_secrets("a.py", b"token = vault.read('x')\napi_token = client.tokens.get(name)\n") == ()
    js = scan_secrets("a.js", b"const token = `sk9Hf83kLmQ2xZ7pWv`;\n")  # a template literal is a string in JS
    assert [(h.kind, h.key, h.length) for h in js] == [("assigned-secret", "token", 18)]


def test_a_database_session_is_no_authentication_and_ci_secret_references_no_secret(make_repo: MakeRepo) -> None:
    """issue 9's leftovers: mealie-style `Depends(generate_session)`, lemmy's `.woodpecker.yml` `from_secret:`,
    a route constant named `users_forgot_password`."""
    from analysis.secrets import scan_secrets

    app = ("from fastapi import Depends, FastAPI\nfrom app.db import generate_session\napp = FastAPI()\n\n"
           "@app.post('/recipes')\ndef create(session=Depends(generate_session)):\n    return {}\n")
    assert [f.line for f in findings(MissingAuth, make_repo({"app/main.py": app}))] == [5]
    guarded = app.replace("session=Depends(generate_session)", "user=Depends(get_current_user)")
    assert findings(MissingAuth, make_repo({"app/main.py": guarded})) == []
    woodpecker = b"steps:\n  publish:\n    settings:\n      password:\n        from_secret: docker_password\n"
    assert scan_secrets(".woodpecker.yml", woodpecker) == ()
    assert scan_secrets("app/routes.py", b'users_forgot_password = "/users/forgot-password"\n') == ()
    assert len(scan_secrets("app/k.py", b'secret_key = "/Xk9fH3kQ2mLp8ZtR7vWb"\n')) == 1  # base64 may start with /


def test_a_provider_prefix_before_one_word_is_a_placeholder() -> None:
    """Netflix/dispatch `plugins/dispatch_slack/bolt.py:33`: `App(token="xoxb-valid")` was a high finding."""
    from analysis.secrets import scan_secrets

    assert scan_secrets("bolt.py", b'app = App(token="xoxb-valid", request_verification_enabled=False)\n') == ()
    assert scan_secrets("a.py", b'stripe_key = "sk_live_example"\n') == ()
    real = scan_secrets("bolt.py", b'app = App(token="xoxb-1234567890-0987654321-AbCdEfGhIjKlMnOpQrStUvWx")\n')
    assert [h.kind for h in real] == ["slack-token"]


def test_a_value_that_repeats_its_variables_name_is_a_stand_in_issue_9(make_repo: MakeRepo) -> None:
    """polar `.github/workflows/openapi-generate-check.yml:47`: `POLAR_PYDANTIC_AI_GATEWAY_API_KEY:
    "POLAR_PYDANTIC_AI_GATEWAY_API_KEY"` was a default credential; the value only repeats the name, so no provider
    accepts it. `password: password` stays a (weak, working) default credential, and a real key beside it is found."""
    root = make_repo({".github/workflows/check.yml": (
        "jobs:\n  check:\n    env:\n"
        '      POLAR_PYDANTIC_AI_GATEWAY_API_KEY: "POLAR_PYDANTIC_AI_GATEWAY_API_KEY"\n'
        '      GATEWAY_API_KEY: "Zq8vLr2Tn5Xw9Kp3Hd7Fb1Mc4Gs6Jy0"\n'
        "    services:\n      db:\n        env:\n          password: password\n")})
    assert [line for _, line, _ in where(HardcodedSecret, root)] == [5, 9]


def test_a_handler_that_verifies_the_requests_signature_is_a_webhook_issue_9(make_repo: MakeRepo) -> None:
    """polarsource/polar `integrations/slack/endpoints.py:253`: `POST /v1/integrations/slack/events` takes
    `x_slack_signature` and calls `verify_slack_signature(...)` before it acts: Slack authenticates by signing the
    request, so no login guard is missing. The route after it, which checks nothing, is still reported."""
    root = make_repo({"polar/integrations/slack/endpoints.py": (
        "from fastapi import APIRouter, Depends, Header, Request\nimport jwt\n"
        "router = APIRouter(prefix='/v1/integrations/slack')\n\n\n"
        "@router.post(\n    '/events',\n    include_in_schema=False,\n)\n"
        "async def events(\n    request: Request,\n    x_slack_signature: str | None = Header(None),\n"
        "    session: AsyncSession = Depends(get_db_session),\n) -> None:\n"
        "    body = await request.body()\n    payload = json.loads(body)\n"
        "    if payload.get('type') == 'url_verification':\n        return None\n"
        "    signing_secret = await get_signing_secret(session)\n"
        "    if not verify_slack_signature(signing_secret=signing_secret, request_body=body):\n"
        "        raise Unauthorized()\n    await handle(session, payload)\n\n\n"
        "@router.post('/install')\nasync def install(request: Request) -> None:\n    await save(await request.json())\n")})
    assert [(f.line, f.message.split("`")[1]) for f in findings(MissingAuth, root)] == [
        (25, "POST /v1/integrations/slack/install")]


def test_sql_built_from_a_loop_over_a_constant_list_is_low_issue_9(make_repo: MakeRepo) -> None:
    """polar `scripts/remove_deprecated_scopes.py:100`: `for table in SCOPE_TABLES: text(f"UPDATE {table} ...")`
    builds SQL only from table names the author listed: low like any constant. A loop over rows read from the
    database, or over a parameter, stays medium."""
    root = make_repo({"scripts/scopes.py": (
        "from sqlalchemy import text\n\nSCOPE_TABLES = ['oauth2_tokens', 'personal_access_tokens']\n\n\n"
        "async def run(session):\n    for table in SCOPE_TABLES:\n"
        "        await session.execute(text(f'UPDATE {table} SET scope = TRIM(scope)'))\n"
        "    for name in ('a', 'b'):\n        await session.execute(text(f'VACUUM {name}'))\n\n\n"
        "async def rows(session):\n    for row in await session.execute(text('SELECT name FROM t')):\n"
        "        await session.execute(text(f'DROP TABLE {row}'))\n\n\n"
        "async def given(session, tables):\n    for table in tables:\n"
        "        await session.execute(text(f'DROP TABLE {table}'))\n")})
    assert [(line, sev) for _, line, sev in where(SqlInjection, root)] == [
        (8, "low"), (10, "low"), (15, "medium"), (20, "medium")]


def test_an_nx_cloud_read_token_in_nx_json_is_low_issue_9(make_repo: MakeRepo) -> None:
    """wgd3/full-stack-todo `nx.json:63`: Nx Cloud's `accessToken` decodes to `<workspace id>|read`, a read-only
    token of the remote cache that Nx workspaces commit on purpose (was high). A read-write token stays high."""
    import base64 as b64

    def token(scope: str) -> str:
        return b64.b64encode(f"2897da8a-3f73-482b-8e31-7b51856b794a|{scope}".encode()).decode()

    runner = ('{{\n  "tasksRunnerOptions": {{\n    "default": {{\n      "runner": "nx-cloud",\n'
              '      "options": {{\n        "accessToken": "{}"\n      }}\n    }}\n  }}\n}}\n')
    read, write = make_repo({"nx.json": runner.format(token("read"))}), make_repo({"nx.json": runner.format(token("read-write"))})
    [finding] = findings(HardcodedSecret, read)
    assert (finding.line, finding.severity) == (6, Severity.LOW) and finding.message.startswith("read-only")
    assert where(HardcodedSecret, write) == [("nx.json", 6, "high")]


@pytest.mark.parametrize(("source", "rbac"), [
    ("from flask import Flask\n@roles_required('admin')\ndef f():\n    pass\n", True),  # a decorator
    ("from flask import Flask\nconfigure(app, role_required='admin')\n", True),  # a setting
    ("from flask import Flask\ndef f(user):\n    return check_permission(user, 'x')\n", True),  # a call
    ("from flask import Flask\ndef f(user):\n    return check(user, 'x')  # has_role: a comment only\n", False),
])
def test_role_checks_are_seen_in_decorators_settings_and_calls(make_repo: MakeRepo, source: str, rbac: bool) -> None:
    from checks.security.auth import auth_facts

    assert auth_facts(context(make_repo({"app/views.py": source}))).rbac is rbac
