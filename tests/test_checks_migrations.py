"""Database migrations family: detection per stack, graph soundness, auto-sync, destructive operations."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from auditor import audit
from auditor.config import Config
from auditor.engine import Scorecard
from auditor.model import Confidence, Status
from checks.migrations.detect import classify_migration, manifest_evidence
from checks.migrations.graph import analyse_graph


def write(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return root


def run(root: Path) -> Scorecard:
    return audit(root, Config(only=("migrations/*",)))


def found(card: Scorecard, check_id: str | None = None) -> set[tuple[str, str | None, int | None, str]]:
    return {(f.check_id, f.path, f.line, f.severity.value) for f in card.findings
            if check_id is None or f.check_id == check_id}


def status(card: Scorecard, check_id: str) -> Status:
    return next(r.status for r in card.results if r.id == check_id)


def reason(card: Scorecard, check_id: str) -> str:
    return next(r.reason for r in card.results if r.id == check_id)


def facts(card: Scorecard, project: str = "") -> dict[str, Any]:
    value: dict[str, Any] = next(p.facts["migrations"] for p in card.projects if p.project.path == project)
    return value


def alembic_rev(rev: str, down: str, body: str = "    pass") -> str:
    return (
        "import sqlalchemy as sa\nfrom alembic import op\n\n"
        f"revision = {rev}\ndown_revision = {down}\nbranch_labels = None\n\n\n"
        f"def upgrade():\n{body}\n\n\ndef downgrade():\n    op.drop_table('t')\n"
    )


# -- applicability --------------------------------------------------------------------------------------


def test_no_database_is_not_applicable(tmp_path: Path) -> None:
    write(tmp_path, {"requirements.txt": "flask==3.0\n", "app.py": "import flask\napp = flask.Flask(__name__)\n"})
    card = run(tmp_path)
    assert card.findings == []
    assert status(card, "migrations/missing") is Status.NOT_APPLICABLE
    assert "no database" in reason(card, "migrations/missing")
    assert facts(card)["database"] is False
    assert facts(card)["files"] == 0


def test_mongo_only_is_not_applicable_and_says_why(tmp_path: Path) -> None:
    write(tmp_path, {
        "package.json": '{"dependencies": {"express": "^4", "mongoose": "^8"}}',
        "src/db.js": "const mongoose = require('mongoose');\nmodule.exports = mongoose;\n",
    })
    card = run(tmp_path)
    assert card.findings == []
    assert status(card, "migrations/missing") is Status.NOT_APPLICABLE
    assert "schemaless" in reason(card, "migrations/missing")
    assert facts(card)["kinds"] == ["document"]
    assert facts(card)["database"] is False


def test_django_without_models_of_its_own_is_not_applicable(tmp_path: Path) -> None:
    write(tmp_path, {
        "requirements.txt": "Django==4.2\npsycopg2-binary==2.9\n",
        "app/upload/models.py": "from django.db import models\n\n# Create your models here.\n",
        "app/upload/migrations/__init__.py": "",
    })
    card = run(tmp_path)
    assert card.findings == []
    assert status(card, "migrations/missing") is Status.NOT_APPLICABLE
    assert "Django" in reason(card, "migrations/missing")


# -- missing migrations ------------------------------------------------------------------------------------


def test_database_without_migrations_and_configured_tool(tmp_path: Path) -> None:
    write(tmp_path, {
        "requirements.txt": "sqlalchemy>=2\nalembic\n",
        "alembic.ini": "[alembic]\nscript_location = migrations\n",
        "app/db.py": "from sqlalchemy import create_engine\nengine = create_engine('sqlite://')\n",
    })
    card = run(tmp_path)
    assert found(card) == {("migrations/missing", "requirements.txt", None, "high")}
    message = card.findings[0].message
    assert "alembic is set up without a single migration" in message
    assert facts(card)["configured"] == ["alembic"]
    assert facts(card)["tools"] == []


def test_sql_dump_without_migrations_is_auto_sync_but_not_with_migrations(tmp_path: Path) -> None:
    files = {
        "go.mod": "module x\n\ngo 1.22\n\nrequire gorm.io/gorm v1.25.0\n",
        "main.go": 'package main\n\nimport "gorm.io/gorm"\n\nvar db *gorm.DB\n\nfunc main() {}\n',
        "docs/sql/blog.sql": "-- dump\nSET NAMES utf8;\nCREATE TABLE `blog_tag` (id int);\n",
    }
    card = run(write(tmp_path / "a", files))
    assert found(card) == {
        ("migrations/missing", "go.mod", None, "high"),
        ("migrations/schema-auto-sync", "docs/sql/blog.sql", 3, "medium"),
    }
    files["db/migration/000001_init.up.sql"] = "CREATE TABLE t (id int);\n"
    files["db/migration/000001_init.down.sql"] = "DROP TABLE t;\n"
    card = run(write(tmp_path / "b", files))
    assert found(card) == set()
    assert facts(card)["tools"] == ["golang-migrate"]


# -- Alembic -----------------------------------------------------------------------------------------------


def test_sound_alembic_chain_and_destructive_only_in_upgrade(tmp_path: Path) -> None:
    write(tmp_path, {
        "pyproject.toml": '[project]\nname = "x"\ndependencies = ["sqlalchemy", "alembic", "asyncpg"]\n',
        "migrations/versions/a_base.py": alembic_rev("'a'", "None", "    op.create_table('t')"),
        "migrations/versions/b_next.py": alembic_rev("'b'", "'a'", "    op.drop_column('t', 'legacy')"),
        "migrations/versions/c_last.py": alembic_rev("'c'", "('b',)", "    op.execute('ALTER TABLE t DROP COLUMN x')"),
    })
    card = run(tmp_path)
    assert status(card, "migrations/alembic-graph") is Status.PASSED
    assert found(card) == {
        ("migrations/destructive", "migrations/versions/b_next.py", 10, "info"),
        ("migrations/destructive", "migrations/versions/c_last.py", 10, "info"),
    }
    assert status(card, "migrations/destructive") is Status.PASSED  # info only
    f = facts(card)
    assert f["heads"] == {"migrations/versions": ["c"]}
    assert f["files_by_tool"] == {"alembic": 3}
    assert f["destructive"] == 2
    messages = sorted(x.message for x in card.findings)
    assert messages[0].startswith("SQL `DROP COLUMN`")
    assert messages[1] == "`drop_column` of `t.legacy` destroys data when the migration runs"


def test_broken_alembic_graphs(tmp_path: Path) -> None:
    v = "app/db/migrations/versions"
    w = "other/versions"
    write(tmp_path, {
        "requirements.txt": "sqlalchemy\n",
        f"{v}/a.py": alembic_rev("'a'", "None"),
        f"{v}/b.py": alembic_rev("'b'", "'a'"),
        f"{v}/c.py": alembic_rev("'c'", "'b'"),
        f"{v}/d.py": alembic_rev("'d'", "'a'"),
        f"{v}/e.py": alembic_rev("'e'", "'zzz'"),
        f"{w}/base.py": alembic_rev("'base'", "None"),
        f"{w}/self.py": alembic_rev("'x'", "'x'"),
        f"{w}/p.py": alembic_rev("'p'", "'q'"),
        f"{w}/q.py": alembic_rev("'q'", "'p'"),
        f"{w}/q_again.py": alembic_rev("'q'", "'base'"),
    })
    card = run(tmp_path)
    assert found(card, "migrations/alembic-graph") == {
        ("migrations/alembic-graph", f"{v}/e.py", 4, "high"),  # missing parent zzz
        ("migrations/alembic-graph", f"{v}/c.py", 4, "high"),  # three heads: c, d, e
        ("migrations/alembic-graph", f"{w}/self.py", 4, "high"),
        ("migrations/alembic-graph", f"{w}/p.py", 4, "high"),  # cycle p <-> q
        ("migrations/alembic-graph", f"{w}/q_again.py", 4, "high"),  # duplicate id q
        ("migrations/alembic-graph", f"{w}/base.py", 4, "high"),  # two heads: base and x
    }
    by_path = {f.path: f.message for f in card.findings if f.check_id == "migrations/alembic-graph"}
    assert "`zzz`" in by_path[f"{v}/e.py"]
    assert "3 heads (c, d, e)" in by_path[f"{v}/c.py"]
    assert "cycle (p, q)" in by_path[f"{w}/p.py"]
    assert "defined more than once" in by_path[f"{w}/q_again.py"]
    # other/versions has heads base and x; the cycle members are nobody's head
    assert facts(card)["heads"] == {v: ["c", "d", "e"], w: ["base", "x"]}


def test_other_versions_dir_heads_finding_is_reported(tmp_path: Path) -> None:
    write(tmp_path, {
        "requirements.txt": "sqlalchemy\n",
        "alembic/versions/a.py": alembic_rev("'a'", "None"),
        "alembic/versions/b.py": alembic_rev("'b'", "'a'"),
        "alembic/versions/c.py": alembic_rev("'c'", "'a'").replace("branch_labels = None", "branch_labels = ('x',)"),
    })
    card = run(tmp_path)
    assert found(card) == {("migrations/alembic-graph", "alembic/versions/b.py", 4, "high")}
    assert card.findings[0].confidence is Confidence.LOW  # branch labels: maybe intended


def test_non_literal_and_unparsable_revisions_are_reported_not_guessed(tmp_path: Path) -> None:
    v = "migrations/versions"
    write(tmp_path, {
        "requirements.txt": "sqlalchemy\n",
        f"{v}/a.py": alembic_rev("'a'", "None"),
        f"{v}/b.py": alembic_rev("make_id()", "'a'"),
        f"{v}/c.py": alembic_rev("'c'", "'b' + 'x'"),
        f"{v}/d.py": alembic_rev("'d'", "'c'"),  # its parent could not be read: no "missing" finding
        f"{v}/broken.py": "revision = 'e'\ndown_revision = (\n",
    })
    card = run(tmp_path)
    assert found(card) == {
        ("migrations/alembic-graph", f"{v}/b.py", 4, "medium"),
        ("migrations/alembic-graph", f"{v}/c.py", 4, "medium"),
    }


def test_deep_and_long_hostile_graph_terminates(tmp_path: Path) -> None:
    n = 300
    files = {"requirements.txt": "sqlalchemy\n"}
    for i in range(n):
        files[f"migrations/versions/r{i}.py"] = f"revision = 'r{i}'\ndown_revision = 'r{(i + 1) % n}'\n"
    card = run(write(tmp_path, files))
    findings = [f for f in card.findings if f.check_id == "migrations/alembic-graph"]
    assert len(findings) == 1
    assert findings[0].message.startswith("revisions form a cycle (r0, r1, r10,")
    assert facts(card)["heads"] == {"migrations/versions": []}


# -- Django --------------------------------------------------------------------------------------------------


DJANGO_MODEL = """
from django.db import models


class Base(models.Model):
    created = models.DateTimeField()

    class Meta:
        abstract = True


class Article(Base):
    title = models.CharField(max_length=10)
"""


def django_migration(deps: str, ops: str = "") -> str:
    return (
        "from django.db import migrations, models\n\n\n"
        "class Migration(migrations.Migration):\n"
        f"    dependencies = {deps}\n"
        f"    operations = [{ops}]\n"
    )


def test_django_models_without_migrations(tmp_path: Path) -> None:
    write(tmp_path, {
        "backend/requirements.txt": "Django==5.0\npsycopg[binary]\n",
        "backend/common/models.py": DJANGO_MODEL.split("class Article")[0],  # abstract only
        "backend/users/models.py": DJANGO_MODEL,
        "backend/users/migrations/__init__.py": "",
    })
    card = run(tmp_path)
    assert found(card) == {
        ("migrations/unmigrated-models", "backend/users/models.py", 11, "high"),
        ("migrations/missing", "backend/users/models.py", None, "high"),
    }
    unmigrated = next(f for f in card.findings if f.check_id == "migrations/unmigrated-models")
    assert unmigrated.message == "app `users` defines models (`Article`) but backend/users/migrations/ holds no migration"


def test_django_query_expressions_and_unmanaged_models_are_not_models(tmp_path: Path) -> None:
    write(tmp_path, {
        "requirements.txt": "django\n",
        "lib/db/models/functions.py": "from django.db.models import FloatField, Func\n\n\n"
                                      "class Azimuth(Func):\n    output_field = FloatField()\n",
        "lib/geo/models.py": "from django.db import models\n\n\nclass Columns(models.Model):\n"
                             "    name = models.CharField(max_length=5)\n\n    class Meta:\n        managed = False\n",
    })
    card = run(tmp_path)
    assert card.findings == []
    assert status(card, "migrations/unmigrated-models") is Status.NOT_APPLICABLE


def test_django_graph_conflicts_missing_deps_and_squash(tmp_path: Path) -> None:
    m = "shop/migrations"
    write(tmp_path, {
        "requirements.txt": "django\n",
        "shop/models.py": DJANGO_MODEL,
        f"{m}/__init__.py": "",
        f"{m}/0001_initial.py": django_migration("[migrations.swappable_dependency(settings.AUTH_USER_MODEL)]"),
        f"{m}/0002_a.py": django_migration("[('shop', '0001_initial'), ('auth', '0012_x')]",
                                           "migrations.RemoveField(model_name='article', name='old')"),
        f"{m}/0002_b.py": django_migration("[('shop', '0001_initial')]"),
        f"{m}/0003_gone.py": django_migration("[('shop', '0002_missing')]"),
        "blog/models.py": DJANGO_MODEL,
        "blog/migrations/0001_initial.py": django_migration("[]"),
        "blog/migrations/0002_x.py": django_migration("[('blog', '0001_initial')]", "migrations.DeleteModel(name='Old')"),
        "blog/migrations/0001_squashed_0002.py": django_migration(
            "[]").replace("    dependencies", "    replaces = [('blog', '0001_initial'), ('blog', '0002_x')]\n    dependencies"),
        "blog/migrations/0003_next.py": django_migration("[('blog', '0002_x')]"),
    })
    card = run(tmp_path)
    assert found(card, "migrations/django-graph") == {
        ("migrations/django-graph", f"{m}/0003_gone.py", 4, "high"),  # depends on a missing migration
        ("migrations/django-graph", f"{m}/0002_a.py", 4, "high"),  # leaves 0002_a, 0002_b, 0003_gone
    }
    messages = {f.message for f in card.findings if f.check_id == "migrations/django-graph"}
    assert "migration `shop.0003_gone` depends on `shop.0002_missing`, which does not exist" in messages
    assert "app `shop` has 3 leaf migrations (0002_a, 0002_b, 0003_gone): Django reports a conflict until they are merged" in messages
    assert found(card, "migrations/destructive") == {
        ("migrations/destructive", f"{m}/0002_a.py", 6, "info"),
        ("migrations/destructive", "blog/migrations/0002_x.py", 6, "info"),
    }
    assert found(card, "migrations/unmigrated-models") == set()
    assert "`RemoveField` of `article.old` destroys data when the migration runs" in {f.message for f in card.findings}
    assert facts(card)["django_apps"] == {"blog": 4, "shop": 4}


# -- other stacks -------------------------------------------------------------------------------------------


def test_spring_ddl_auto_and_flyway(tmp_path: Path) -> None:
    write(tmp_path, {
        "pom.xml": "<project><dependencies><dependency><artifactId>spring-boot-starter-data-jpa</artifactId></dependency>"
                   "<dependency><artifactId>flyway-core</artifactId></dependency></dependencies></project>\n",
        "src/main/resources/application.properties": "server.port=8080\n# spring.jpa.hibernate.ddl-auto=create\n"
                                                     "spring.jpa.hibernate.ddl-auto=${DDL:update}\n",
        "src/main/resources/application-prod.yml": "spring:\n  jpa:\n    hibernate:\n      ddl-auto: validate\n",
        "src/test/resources/application.properties": "spring.jpa.hibernate.ddl-auto=create-drop\n",
        "src/main/resources/db/migration/V1__init.sql": "CREATE TABLE t (id int);\n",
        "src/main/resources/db/migration/V2__drop.sql": "-- DROP TABLE t in a comment\nDROP TABLE IF EXISTS old;\n",
        "src/main/java/App.java": "package x;\n\nimport jakarta.persistence.Entity;\n\n@Entity\nclass App {}\n",
    })
    card = run(tmp_path)
    assert found(card) == {
        ("migrations/schema-auto-sync", "src/main/resources/application.properties", 3, "medium"),
        ("migrations/destructive", "src/main/resources/db/migration/V2__drop.sql", 2, "info"),
    }
    assert facts(card)["tools"] == ["flyway"]


def test_spring_create_drop_yaml_is_high(tmp_path: Path) -> None:
    write(tmp_path, {
        "build.gradle": "dependencies {\n  implementation 'org.springframework.boot:spring-boot-starter-data-jpa'\n}\n",
        "src/main/resources/application.yml": "spring:\n  jpa:\n    hibernate:\n      ddl-auto: create-drop\n",
        "src/main/java/App.java": "package x;\nclass App {}\n",
    })
    card = run(tmp_path)
    assert found(card) == {
        ("migrations/schema-auto-sync", "src/main/resources/application.yml", 4, "high"),
        ("migrations/missing", "build.gradle", None, "high"),
    }


def test_liquibase_changelogs_by_content_in_every_format(tmp_path: Path) -> None:
    """issue 9: Liquibase changelogs in XML, YAML, JSON and formatted SQL are migrations wherever they live, and the
    MongoDB extension versions a document database."""
    write(tmp_path, {
        "pom.xml": "<project><dependencies><dependency><artifactId>spring-boot-starter-data-jpa</artifactId></dependency>"
                   "<dependency><artifactId>liquibase-core</artifactId></dependency></dependencies></project>\n",
        "src/main/resources/db.changelog-master.yaml": """
            databaseChangeLog:
              - include:
                  file: changes/001.json
            """,
        "src/main/resources/changes/001.json": '{"databaseChangeLog": [{"changeSet": {"id": "1", "changes": '
                                               '[{"dropTable": {"tableName": "old"}}]}}]}\n',
        "src/main/resources/sql/002-users.sql": """
            --liquibase formatted sql
            --changeset dev:2
            CREATE TABLE users (id int);
            --rollback DROP TABLE users;
            """,
        "src/main/java/App.java": "package x;\nimport jakarta.persistence.Entity;\n@Entity\nclass App {}\n",
    })
    card = run(tmp_path)
    assert facts(card)["tools"] == ["liquibase"]
    assert facts(card)["files"] == 3
    assert found(card) == {("migrations/destructive", "src/main/resources/changes/001.json", 1, "info")}
    from checks.migrations.detect import classify_migration

    mongo = ('<databaseChangeLog xmlns:ext="http://www.liquibase.org/xml/ns/mongodb">\n<changeSet id="1" author="a">\n'
             '<ext:createCollection collectionName="person"/>\n</changeSet>\n</databaseChangeLog>\n')
    assert classify_migration("config/liquibase/changelog/1.xml", "xml", mongo, (), {"java"}) == "liquibase-mongodb"


def test_quarkus_schema_generation_per_profile_and_hibernate_in_code(tmp_path: Path) -> None:
    """issue 9: Quarkus `database.generation` / `schema-management.strategy` count in the default and prod
    profiles, not in %dev / %test; `hbm2ddl.auto` set in Java code is auto-sync too."""
    write(tmp_path, {
        "pom.xml": "<project><dependencies><dependency><artifactId>quarkus-hibernate-orm-panache</artifactId>"
                   "</dependency></dependencies></project>\n",
        "src/main/resources/application.properties": """
            %dev.quarkus.hibernate-orm.database.generation=drop-and-create
            %test.quarkus.hibernate-orm.database.generation=drop-and-create
            %prod.quarkus.hibernate-orm.database.generation=update
            quarkus.hibernate-orm.schema-management.strategy=none
            """,
        "src/main/resources/application-extra.yaml": """
            quarkus:
              hibernate-orm:
                schema-management:
                  strategy: drop-and-create
            "%dev":
              quarkus:
                hibernate-orm:
                  database:
                    generation: drop-and-create
            """,
        "src/main/java/x/Db.java": """
            package x;
            import org.hibernate.cfg.AvailableSettings;
            class Db {
                java.util.Properties props() {
                    java.util.Properties p = new java.util.Properties();
                    p.put(AvailableSettings.HBM2DDL_AUTO, "create-drop");
                    p.setProperty("hibernate.hbm2ddl.auto", "validate");
                    return p;
                }
                void adapter(HibernateJpaVendorAdapter vendor) { vendor.setGenerateDdl(true); }
            }
            """,
    })
    card = run(tmp_path)
    assert found(card, "migrations/schema-auto-sync") == {
        ("migrations/schema-auto-sync", "src/main/resources/application.properties", 3, "medium"),
        ("migrations/schema-auto-sync", "src/main/resources/application-extra.yaml", 4, "high"),
        ("migrations/schema-auto-sync", "src/main/java/x/Db.java", 6, "high"),
        ("migrations/schema-auto-sync", "src/main/java/x/Db.java", 10, "medium"),
    }


def test_typeorm_synchronize_and_migrations(tmp_path: Path) -> None:
    write(tmp_path, {
        "package.json": '{"dependencies": {"typeorm": "^0.3", "pg": "^8"}}',
        "src/data-source.ts": "import { DataSource } from 'typeorm';\n\nexport const ds = new DataSource({\n"
                              "  type: 'postgres',\n  synchronize: true,\n  migrations: [],\n});\n",
        "src/other.ts": "export const cfg = { synchronize: process.env.SYNC === 'true' };\n",
        "src/database/migrations/1700-Init.ts": textwrap.dedent("""
            import { MigrationInterface, QueryRunner } from 'typeorm';

            export class Init1700 implements MigrationInterface {
              public async up(queryRunner: QueryRunner): Promise<void> {
                await queryRunner.query(`ALTER TABLE "user" DROP COLUMN "legacy"`);
              }

              public async down(queryRunner: QueryRunner): Promise<void> {
                await queryRunner.query(`DROP TABLE "user"`);
              }
            }
        """).lstrip(),
    })
    card = run(tmp_path)
    assert found(card) == {
        ("migrations/schema-auto-sync", "src/data-source.ts", 5, "high"),
        ("migrations/destructive", "src/database/migrations/1700-Init.ts", 5, "info"),
    }
    assert facts(card)["tools"] == ["typeorm"]


def test_sequelize_sync_force_and_gorm_automigrate(tmp_path: Path) -> None:
    write(tmp_path, {
        "package.json": '{"dependencies": {"sequelize": "^6"}}',
        "src/index.js": "const { Sequelize } = require('sequelize');\nconst s = new Sequelize('x');\n"
                        "s.sync({ force: true });\nfs.sync;\n",
        "svc/go.mod": "module svc\n\nrequire gorm.io/gorm v1.25.0\n",
        "svc/main.go": 'package main\n\nimport "gorm.io/gorm"\n\nfunc run(db *gorm.DB) {\n\tdb.AutoMigrate(&User{})\n}\n',
        "svc/main_test.go": 'package main\n\nfunc t(db *gorm.DB) {\n\tdb.AutoMigrate(&User{})\n}\n',
    })
    card = run(tmp_path)
    assert found(card) == {
        ("migrations/schema-auto-sync", "src/index.js", 3, "high"),
        ("migrations/schema-auto-sync", "svc/main.go", 6, "medium"),
        ("migrations/missing", "package.json", None, "high"),
        ("migrations/missing", "svc/go.mod", None, "high"),  # svc is a project of its own
    }
    assert [p.project.path for p in card.projects] == ["", "svc"]


def test_sqlalchemy_create_all_in_app_code_not_in_tests(tmp_path: Path) -> None:
    write(tmp_path, {
        "requirements.txt": "sqlmodel\n",
        "app/main.py": "from sqlmodel import SQLModel\n\n\nasync def startup(conn):\n"
                       "    await conn.run_sync(SQLModel.metadata.create_all)\n",
        "tests/conftest.py": "from app.db import Base\n\n\ndef setup(engine):\n    Base.metadata.create_all(engine)\n",
        "migrations/versions/a.py": alembic_rev("'a'", "None"),
    })
    card = run(tmp_path)
    assert found(card) == {("migrations/schema-auto-sync", "app/main.py", 5, "medium")}


def test_prisma_diesel_sqlx_and_seaorm_are_recognised(tmp_path: Path) -> None:
    write(tmp_path, {
        "web/package.json": '{"dependencies": {"@prisma/client": "^5"}}',
        "web/prisma/schema.prisma": "datasource db { provider = \"postgresql\" }\n",
        "web/src/index.ts": "import { PrismaClient } from '@prisma/client';\nexport const db = new PrismaClient();\n",
        "web/prisma/migrations/20240101_init/migration.sql": "CREATE TABLE a (id int);\n",
        "api/Cargo.toml": '[package]\nname = "api"\n\n[dependencies]\ndiesel = { version = "2" }\n',
        "api/migrations/2022-01-01-000000_users/up.sql": "CREATE TABLE users (id int);\n",
        "api/migrations/2022-01-01-000000_users/down.sql": "DROP TABLE users;\n",
        "api/src/main.rs": "use diesel::prelude::*;\nfn main() {}\n",
    })
    card = run(tmp_path)
    assert found(card) == set()
    assert facts(card, "web")["files_by_tool"] == {"prisma": 1}
    assert facts(card, "web")["dirs"] == ["web/prisma/migrations"]
    assert facts(card, "api")["files_by_tool"] == {"diesel": 2}
    assert facts(card, "api")["dirs"] == ["api/migrations"]


def test_rust_migration_runners_and_extern_crate_evidence(tmp_path: Path) -> None:
    write(tmp_path, {
        "Cargo.toml": '[package]\nname = "svc"\n',
        "src/main.rs": "#[macro_use]\nextern crate diesel;\nfn main() {}\n",
        "src/db.rs": "pub async fn migrate(pool: &PgPool) {\n    sqlx::migrate!(\"./migrations\").run(pool).await.unwrap();\n}\n",
        "tests/db.rs": "use rusqlite::Connection;\n",
    })
    card = run(tmp_path)
    assert facts(card)["database_evidence"] == ["diesel (src/main.rs)"]  # a test's import is no evidence
    assert facts(card)["configured"] == ["sqlx"]  # `sqlx::migrate!` embeds migrations that do not exist yet
    assert [f.message for f in card.findings if f.check_id == "migrations/missing"] == [
        "a database is in use (diesel (src/main.rs)) but the project has no migration file; sqlx is set up without "
        "a single migration"]


# -- units: detection and graph ----------------------------------------------------------------------------------


def test_classify_migration_by_stack() -> None:
    assert classify_migration("migrations/20200823_create.sql", "sql", "CREATE TABLE t();", (), {"rust"}) == "sqlx"
    assert classify_migration("db/migration/000001_init.up.sql", "sql", "", (), {"go"}) == "golang-migrate"
    assert classify_migration("migrations/001.do.sql", "sql", "", (), {"node"}) == "postgrator"
    assert classify_migration("db/migrations/1_x.sql", "sql", "-- +goose Up\n", (), {"go"}) == "goose"
    assert classify_migration("migrations/V1__init.sql", "sql", "", ["refinery"], {"rust"}) == "refinery"
    assert classify_migration("migration/src/m20220101_000001_create.rs", "rust", "", (), {"rust"}) == "seaorm"
    assert classify_migration("config/liquibase/master.xml", "xml", "<databaseChangeLog/>", (), {"java"}) == "liquibase"
    assert classify_migration("config/liquibase/data.xml", "xml", "<beans/>", (), {"java"}) is None
    assert classify_migration("migrations/20200101_x.js", "javascript", "exports.up = (knex) => knex.schema", (), set()) == "knex"


def test_manifest_evidence_ignores_comments_and_lookalikes() -> None:
    reqs = "# sqlalchemy was removed\nsqlalchemy-utils-fake==1\npsycopg2-binary==2\n"
    assert [e.what for e in manifest_evidence("requirements.txt", "python", reqs)] == ["psycopg2-binary"]
    assert manifest_evidence("requirements.txt", "python", "django\npsycopg2-binary\n") == []
    toml = '[tool.mypy]\nplugins = ["sqlalchemy.ext.mypy.plugin"]\n'
    assert manifest_evidence("pyproject.toml", "python", toml) == []
    assert [e.what for e in manifest_evidence("package.json", "node", '{"devDependencies": {"pg": "1"}}')] == ["pg"]
    assert manifest_evidence("package.json", "node", '{"name": "pg-free", "dependencies": {"pgx": "1"}}') == []
    assert manifest_evidence("Cargo.toml", "rust", "[dependencies]\n# sqlx = 1\nserde = 1\n") == []


def brute_heads(graph: dict[str, tuple[str, ...]]) -> list[str]:
    return sorted(n for n in graph if not any(n in ps for m, ps in graph.items() if m != n))


ids = st.sampled_from([f"r{i}" for i in range(12)])


@given(st.lists(st.tuples(ids, st.lists(ids, max_size=3).map(tuple)), max_size=30))
@settings(max_examples=300, deadline=None)
def test_graph_analysis_on_random_graphs(revisions: list[tuple[str, tuple[str, ...]]]) -> None:
    report = analyse_graph(revisions)
    first: dict[str, tuple[str, ...]] = {}
    for rev, ps in revisions:
        first.setdefault(rev, ps)
    assert report.nodes == len(first)
    assert list(report.heads) == brute_heads(first)
    assert set(report.self_refs) == {r for r, ps in first.items() if r in ps}
    assert set(report.missing) == {(r, p) for r, ps in first.items() for p in ps if p not in first}
    assert set(report.duplicates) == {r for r in first if sum(1 for x, _ in revisions if x == r) > 1}
    members = [m for c in report.cycles for m in c]
    assert len(members) == len(set(members))  # components are disjoint
    for cycle in report.cycles:  # every member reaches every other one
        for start in cycle:
            seen, todo = {start}, [start]
            while todo:
                for p in first.get(todo.pop(), ()):
                    if p in first and p not in seen:
                        seen.add(p)
                        todo.append(p)
            assert set(cycle) <= seen


@given(st.integers(min_value=1, max_value=40), st.data())
@settings(max_examples=150, deadline=None)
def test_acyclic_graphs_have_no_cycles_and_a_back_edge_makes_one(n: int, data: st.DataObject) -> None:
    graph: list[tuple[str, tuple[str, ...]]] = [("n0", ())]
    for i in range(1, n):
        parents = data.draw(st.lists(st.integers(0, i - 1), min_size=1, max_size=2))
        graph.append((f"n{i}", tuple(f"n{p}" for p in parents)))
    report = analyse_graph(graph)
    assert report.cycles == () and report.missing == () and report.self_refs == ()
    assert report.bases == ("n0",)
    assert len(report.heads) >= 1
    if n > 1:
        back = dict(graph)
        back["n0"] = (f"n{n - 1}",)  # n0 now revises the newest: everything reachable forms a cycle
        cyclic = analyse_graph(back.items())
        assert cyclic.cycles and "n0" in cyclic.cycles[0]
        assert cyclic.sound is False


def test_huge_chain_and_ring_do_not_exhaust_the_stack() -> None:
    n = 50_000
    chain = [(f"r{i}", (f"r{i - 1}",) if i else ()) for i in range(n)]
    assert analyse_graph(chain).heads == (f"r{n - 1}",)
    ring = [(f"r{i}", (f"r{(i + 1) % n}",)) for i in range(n)]
    report = analyse_graph(ring)
    assert report.heads == () and len(report.cycles) == 1 and len(report.cycles[0]) == n


def test_linear_chain_is_sound() -> None:
    report = analyse_graph([("a", ()), ("b", ("a",)), ("c", ("b",))])
    assert report.sound and report.heads == ("c",) and report.bases == ("a",)


def test_migrations_folder_of_application_code_and_create_all_then_stamp(tmp_path: Path) -> None:
    """issue 9: mealie's `services/migrations/` imports recipes from other apps: source code, told by its content,
    not database migrations; `create_all()` followed by `alembic stamp head` is Alembic's documented way to start a
    fresh database, not schema auto-sync (a create_all without the stamp still is)."""
    write(tmp_path, {
        "pyproject.toml": '[project]\nname = "app"\ndependencies = ["sqlalchemy", "alembic", "fastapi"]\n',
        "app/alembic/env.py": "from alembic import context\n\ncontext.configure()\n",
        "app/alembic/versions/a_init.py": alembic_rev("'a'", "None", "    op.create_table('t')"),
        "app/services/migrations/__init__.py": "",
        "app/services/migrations/tandoor.py": """
            import zipfile

            from app.services.migrations._base import BaseMigrator


            class TandoorMigrator(BaseMigrator):
                def _migrate(self) -> None:
                    with zipfile.ZipFile(self.archive) as zf:
                        for name in zf.namelist():
                            self.import_recipe(zf.read(name))
            """,
        "app/services/migrations/_base.py": """
            class BaseMigrator:
                def migrate(self, name: str) -> list[str]:
                    self._migrate()
                    return self.report
            """,
        "app/db/init_db.py": """
            from alembic import command
            from alembic.config import Config

            from app.db.models import Base


            def init_db(engine) -> None:
                Base.metadata.create_all(engine)
                stamp_head()


            def stamp_head() -> None:
                command.stamp(Config("alembic.ini"), "head")


            def fresh(engine) -> None:
                Base.metadata.create_all(engine)
                command.stamp(Config("alembic.ini"), "head")
            """,
        "app/db/sync.py": "from app.db.models import Base\n\n\ndef sync(engine):\n    Base.metadata.create_all(engine)\n",
    })
    card = run(tmp_path)
    assert facts(card)["files_by_tool"] == {"alembic": 1}
    assert facts(card)["django_apps"] == {}  # services/migrations/__init__.py marks a package of source code
    assert found(card, "migrations/schema-auto-sync") == {("migrations/schema-auto-sync", "app/db/sync.py", 5, "medium")}


def test_hibernate_schema_generation_in_persistence_xml_cfg_xml_and_hibernate_properties(tmp_path: Path) -> None:
    """issue 9: `hbm2ddl.auto` set where plain JPA and Hibernate set it (persistence.xml, hibernate.cfg.xml,
    hibernate.properties), not only in Spring's application.properties; a commented-out property and a test
    resource are not the application's settings."""
    write(tmp_path, {
        "pom.xml": "<project><dependencies><dependency><artifactId>hibernate-core</artifactId></dependency>"
                   "<dependency><artifactId>flyway-core</artifactId></dependency></dependencies></project>\n",
        "src/main/resources/db/migration/V1__init.sql": "CREATE TABLE t (id int);\n",
        "src/main/resources/META-INF/persistence.xml": """
            <persistence>
              <persistence-unit name="pu">
                <properties>
                  <!-- <property name="hibernate.hbm2ddl.auto" value="create-drop"/> -->
                  <property name="hibernate.hbm2ddl.auto" value="update"/>
                  <property name="jakarta.persistence.schema-generation.database.action" value="drop-and-create"/>
                  <property name="hibernate.show_sql" value="true"/>
                </properties>
              </persistence-unit>
            </persistence>
            """,
        "src/main/resources/hibernate.cfg.xml": """
            <hibernate-configuration><session-factory>
              <property name="hbm2ddl.auto">create</property>
              <property name="hibernate.hbm2ddl.auto">validate</property>
            </session-factory></hibernate-configuration>
            """,
        "src/main/resources/hibernate.properties": "hibernate.hbm2ddl.auto=update\n",
        "src/test/resources/META-INF/persistence.xml": '<property name="hibernate.hbm2ddl.auto" value="create"/>\n',
        "src/main/java/x/App.java": "package x;\nimport jakarta.persistence.Entity;\n@Entity\nclass App {}\n",
    })
    card = run(tmp_path)
    assert found(card, "migrations/schema-auto-sync") == {
        ("migrations/schema-auto-sync", "src/main/resources/META-INF/persistence.xml", 5, "medium"),
        ("migrations/schema-auto-sync", "src/main/resources/META-INF/persistence.xml", 6, "high"),
        ("migrations/schema-auto-sync", "src/main/resources/hibernate.cfg.xml", 2, "high"),
        ("migrations/schema-auto-sync", "src/main/resources/hibernate.properties", 1, "medium"),
    }


def test_liquibase_mongodb_changelogs_of_a_document_database_are_facts(tmp_path: Path) -> None:
    """issue 9: quarkus-super-heroes' rest-fights versions its MongoDB collections with the Liquibase MongoDB
    extension (quarkus-liquibase-mongodb, a YAML changelog): a document database, so the schema checks do not apply,
    and the reason and the facts say its collections are versioned; a JHipster XML changelog is Liquibase."""
    write(tmp_path, {
        "pom.xml": "<project><dependencies><dependency><artifactId>quarkus-mongodb-panache</artifactId></dependency>"
                   "<dependency><artifactId>quarkus-liquibase-mongodb</artifactId></dependency></dependencies></project>\n",
        "src/main/resources/db/changeLog.yml": """
            databaseChangeLog:
              - changeSet:
                  id: 1
                  author: a
                  changes:
                    - createCollection:
                        collectionName: fights
            """,
        "src/main/resources/application.properties": "quarkus.liquibase-mongodb.change-log=db/changeLog.yml\n",
        "src/main/java/x/Fight.java": "package x;\nimport io.quarkus.mongodb.panache.PanacheMongoEntity;\n"
                                      "class Fight extends PanacheMongoEntity {}\n",
    })
    card = run(tmp_path)
    assert card.findings == []
    assert status(card, "migrations/missing") is Status.NOT_APPLICABLE
    assert reason(card, "migrations/missing").endswith("its collections are versioned with liquibase-mongodb (1 file)")
    assert (facts(card)["kinds"], facts(card)["document_migrations"]) == (["document"], {"liquibase-mongodb": 1})
    jhipster = tmp_path / "jhipster"
    write(jhipster, {
        "pom.xml": "<project><dependencies><dependency><artifactId>spring-boot-starter-data-jpa</artifactId></dependency>"
                   "<dependency><artifactId>liquibase-core</artifactId></dependency></dependencies></project>\n",
        "src/main/resources/config/liquibase/master.xml": (
            '<?xml version="1.0" encoding="utf-8"?>\n<databaseChangeLog xmlns="http://www.liquibase.org/xml/ns/dbchangelog">\n'
            '    <include file="config/liquibase/changelog/00000000000000_initial_schema.xml"/>\n</databaseChangeLog>\n'),
        "src/main/resources/config/liquibase/changelog/00000000000000_initial_schema.xml": (
            '<databaseChangeLog xmlns="http://www.liquibase.org/xml/ns/dbchangelog">\n  <changeSet id="1" author="j">\n'
            '    <createTable tableName="jhi_user"><column name="id" type="bigint"/></createTable>\n'
            '  </changeSet>\n</databaseChangeLog>\n'),
        "src/main/java/x/App.java": "package x;\nimport jakarta.persistence.Entity;\n@Entity\nclass App {}\n",
    })
    card = run(jhipster)
    assert (facts(card)["tools"], facts(card)["files"], card.findings) == (["liquibase"], 2, [])


def test_script_migrations_folder_of_application_code_is_source(tmp_path: Path) -> None:
    """issue 9 (detect migrations by content, not by folder name), in TypeScript: a recipe importer's
    `src/services/migrations/` is application code, read by the other checks; TypeORM, Knex, Sequelize and
    migrate-mongo migrations (all export `up`/`down`) and a barrel beside them stay migrations."""
    write(tmp_path, {
        "package.json": '{"name": "api", "dependencies": {"express": "4", "typeorm": "0.3", "pg": "8", "knex": "3"}}',
        "src/services/migrations/chowdown.ts": """
            import { BaseMigrator } from './base';
            export class ChowdownMigrator extends BaseMigrator {
              async migrate(archive: Buffer): Promise<string[]> {
                try { return this.read(archive); } catch (e) {}
                return [];
              }
            }
            """,
        "src/services/migrations/base.ts": "export abstract class BaseMigrator {\n  report: string[] = [];\n}\n",
        "src/migrations/1700000000000-Init.ts": """
            import { MigrationInterface, QueryRunner } from 'typeorm';
            export class Init1700000000000 implements MigrationInterface {
              public async up(q: QueryRunner): Promise<void> { await q.query('CREATE TABLE t (id int)'); }
              public async down(q: QueryRunner): Promise<void> { try { await q.query('DROP TABLE t'); } catch (e) {} }
            }
            """,
        "src/migrations/index.ts": "export * from './1700000000000-Init';\n",
        "db/migrations/20240101_init.js": "exports.up = (knex) => knex.schema.createTable('u', (t) => t.increments());\n"
                                          "exports.down = (knex) => knex.schema.dropTable('u');\n",
        "db/migrations/20240102-seq.js": ("module.exports = {\n"
                                          "  async up(queryInterface) { await queryInterface.addColumn('u', 'x'); },\n};\n"),
    })
    card = audit(tmp_path, Config(only=("migrations/*", "errors/empty-catch")))
    by_role = card.projects[0].facts["files"]["by_role"]
    assert (by_role["source"], by_role["migration"]) == (2, 4)
    assert {(f.check_id, f.path, f.line) for f in card.findings if f.check_id == "errors/empty-catch"} == {
        ("errors/empty-catch", "src/services/migrations/chowdown.ts", 4)}


def test_quarkus_default_profile_overridden_in_prod_is_not_what_production_runs(tmp_path: Path) -> None:
    """issue 9 (Quarkus settings per profile): a packaged Quarkus application runs the prod profile, so a default
    `database.generation=drop-and-create` that `%prod.` sets to `none` (in the same file or another application
    file, properties or YAML) is development's setting, not production's; without the override it stays high."""
    write(tmp_path, {
        "pom.xml": "<project><dependencies><dependency><artifactId>quarkus-hibernate-orm-panache</artifactId>"
                   "</dependency><dependency><artifactId>quarkus-flyway</artifactId></dependency></dependencies></project>\n",
        "src/main/resources/db/migration/V1__init.sql": "CREATE TABLE t (id int);\n",
        "src/main/resources/application.properties": """
            quarkus.hibernate-orm.database.generation=drop-and-create
            %prod.quarkus.hibernate-orm.database.generation=none
            quarkus.hibernate-orm.schema-management.strategy=update
            quarkus.hibernate-orm.log.sql=true
            """,
        "src/main/resources/application.yaml": """
            "%prod":
              quarkus:
                hibernate-orm:
                  schema-management:
                    strategy: validate
            """,
        "src/main/java/x/A.java": "package x;\nimport jakarta.persistence.Entity;\n@Entity\nclass A {}\n",
    })
    assert found(run(tmp_path), "migrations/schema-auto-sync") == set()
    (tmp_path / "src/main/resources/application.yaml").unlink()
    assert found(run(tmp_path), "migrations/schema-auto-sync") == {
        ("migrations/schema-auto-sync", "src/main/resources/application.properties", 3, "medium")}
