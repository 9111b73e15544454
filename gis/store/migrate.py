"""Apply the numbered schema files of ``sql/`` (PostGIS) or ``sql/sqlite/`` (SQLite).

Each file is applied once, in name order, inside a transaction, and recorded in
``schema_migrations``. The files are idempotent on their own (``IF NOT EXISTS``), so
applying the whole folder twice to the same database is clean either way.
"""

from __future__ import annotations

import re
from pathlib import Path

from sqlalchemy import Connection, inspect, text

SQL_DIR = Path(__file__).resolve().parent.parent.parent / "sql"
ADVISORY_LOCK_KEY = 7_345_201  # any constant: serialises concurrent `init` on one server


def schema_files(backend: str) -> list[Path]:
    """The numbered ``.sql`` files of a back-end, in the order they apply."""
    folder = SQL_DIR if backend == "postgis" else SQL_DIR / "sqlite"
    return sorted(p for p in folder.glob("[0-9][0-9][0-9]_*.sql"))


def split_statements(script: str) -> list[str]:
    """Split a schema file into statements at ``;``.

    A ``;`` inside a dollar-quoted body (``$$ … $$``, PostgreSQL functions) or inside a
    ``CREATE TRIGGER … BEGIN … END`` body (SQLite) does not end the statement; our files
    put no ``;`` inside strings.
    """
    without_comments = re.sub(r"--[^\n]*", "", script)
    statements: list[str] = []
    current: list[str] = []
    in_dollar = False
    for piece in re.split(r"(\$\$|;)", without_comments):
        if piece == "$$":
            in_dollar = not in_dollar
            current.append(piece)
            continue
        if piece != ";":
            current.append(piece)
            continue
        text_so_far = "".join(current)
        in_trigger_body = (re.match(r"\s*CREATE\s+TRIGGER\b", text_so_far, re.IGNORECASE)
                           and re.search(r"\bBEGIN\b", text_so_far, re.IGNORECASE)
                           and not re.search(r"\bEND\s*$", text_so_far, re.IGNORECASE))
        if in_dollar or in_trigger_body:
            current.append(piece)
            continue
        statements.append(text_so_far.strip())
        current = []
    statements.append("".join(current).strip())
    return [s for s in statements if s]


_ADD_COLUMN = re.compile(r"^ALTER\s+TABLE\s+(\w+)\s+ADD\s+COLUMN\s+(\w+)\s", re.IGNORECASE)


def _column_exists(conn: Connection, statement: str) -> bool:
    """True when ``statement`` adds a column that already exists (SQLite has no IF NOT EXISTS)."""
    match = _ADD_COLUMN.match(statement)
    if not match or "if not exists" in statement.lower() or conn.dialect.name != "sqlite":
        return False
    table, column = match.groups()
    rows = conn.exec_driver_sql(f"PRAGMA table_info({table})").all()  # noqa: S608 - name from our own sql/
    return any(row[1] == column for row in rows)


def apply_file(conn: Connection, path: Path) -> None:
    """Execute every statement of one schema file on an open connection.

    On SQLite an ``ALTER TABLE t ADD COLUMN c`` whose column already exists is skipped, so a
    file that adds columns is as safe to re-apply as the ``IF NOT EXISTS`` ones.
    """
    for statement in split_statements(path.read_text(encoding="utf-8")):
        if _column_exists(conn, statement):
            continue
        conn.exec_driver_sql(statement)


def applied_versions(conn: Connection) -> set[str]:
    """Names of the schema files already recorded (empty before the first ``init``)."""
    if not inspect(conn).has_table("schema_migrations"):
        return set()
    return {row[0] for row in conn.execute(text("SELECT version FROM schema_migrations"))}


def apply_migrations(conn: Connection, backend: str) -> list[str]:
    """Apply the files not yet recorded; return their names.

    Parameters
    ----------
    conn : Connection
        Inside a transaction (the caller commits).
    backend : {"sqlite", "postgis"}
    """
    if backend == "postgis":
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": ADVISORY_LOCK_KEY})
    done = applied_versions(conn)
    applied = []
    for path in schema_files(backend):
        if path.name in done:
            continue
        apply_file(conn, path)
        conn.execute(text("INSERT INTO schema_migrations (version) VALUES (:v) "
                          "ON CONFLICT (version) DO NOTHING"), {"v": path.name})
        applied.append(path.name)
    return applied
