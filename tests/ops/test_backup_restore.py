"""Restore drills for scripts/backup.py (`make backup` / `make restore`): load the demo into a scratch database,
back it up, damage it (rows changed and deleted, a table dropped), restore, and check everything is back."""

import hashlib
import os
import sqlite3
import subprocess
import sys
import time
from contextlib import closing
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]

# The tables compared row by row, and one dropped outright by the damage.
TABLES = [
    "schemes_scheme",
    "milestones_milestone",
    "milestones_milestonedatechange",
    "risks_risk",
    "finance_fundcontribution",
    "finance_movementline",
    "accounts_user",
]
DROPPED = "risks_riskassessment"
DAMAGE = [
    "UPDATE finance_fundcontribution SET amount = amount + 1",
    "UPDATE schemes_scheme SET name = 'overwritten'",
    "DELETE FROM finance_movementline",
    "DELETE FROM milestones_milestonedatechange",
    f"DROP TABLE {DROPPED}",
]


def fingerprint(cursor, tables) -> dict:
    """Row count and a hash of every row of each table, and the money totals."""
    result = {}
    for table in tables:
        cursor.execute(f"SELECT * FROM {table} ORDER BY id")
        rows = cursor.fetchall()
        result[table] = (len(rows), hashlib.sha256(repr(rows).encode()).hexdigest())
    cursor.execute("SELECT SUM(amount) FROM finance_fundcontribution")
    result["contributions_total"] = cursor.fetchone()[0]
    cursor.execute("SELECT SUM(ABS(amount)) FROM finance_movementline")
    result["movements_total"] = cursor.fetchone()[0]
    return result


def run(args, env):
    out = subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600, check=False
    )
    assert out.returncode == 0, out.stdout + out.stderr
    return out.stdout


def app_env(database_url: str) -> dict:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
        "DATABASE_URL": database_url,
        "REDIS_URL": "",
    }


def drill(env: dict, connect, backups: Path) -> None:
    run(["manage.py", "migrate", "--noinput", "-v0"], env)
    run(["manage.py", "load_demo"], env)
    with connect() as conn:
        before = fingerprint(conn.cursor(), [*TABLES, DROPPED])
    assert before["schemes_scheme"][0] > 0 and before[DROPPED][0] > 0 and before["contributions_total"]

    printed = run(["scripts/backup.py", "backup", "--dir", str(backups)], env)
    (backup,) = backups.iterdir()
    assert str(backup) in printed

    with connect() as conn:
        cursor = conn.cursor()
        for statement in DAMAGE:
            cursor.execute(statement)
        conn.commit()
        damaged = fingerprint(cursor, TABLES)
    assert damaged != {k: before[k] for k in damaged}  # the damage is visible

    run(["scripts/backup.py", "restore", str(backup), "--dir", str(backups)], env)
    with connect() as conn:
        assert fingerprint(conn.cursor(), [*TABLES, DROPPED]) == before
    # The damaged state was kept too, so restoring the wrong file can be undone.
    assert len([p for p in backups.iterdir() if "-before-restore-" in p.name]) == 1


def test_postgresql_backup_and_restore_bring_back_every_row_and_pound(tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip("DATABASE_URL is not PostgreSQL: the pg_dump/pg_restore drill runs in CI")
    import psycopg2

    server = connection.settings_dict
    params = {
        "host": server["HOST"] or "127.0.0.1",
        "port": server["PORT"] or 5432,
        "user": server["USER"],
        "password": server["PASSWORD"] or None,
    }
    name = f"bcf_drill_{os.getpid()}_{time.time_ns()}"
    admin = psycopg2.connect(dbname="postgres", **params)
    admin.autocommit = True
    admin.cursor().execute(f"CREATE DATABASE {name}")
    try:
        auth = f"{params['user']}:{params['password']}@" if params["password"] else f"{params['user']}@"
        env = app_env(f"postgres://{auth}{params['host']}:{params['port']}/{name}")
        drill(env, lambda: closing(psycopg2.connect(dbname=name, **params)), tmp_path / "backups")
    finally:
        admin.cursor().execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        admin.close()


def test_sqlite_backup_is_a_consistent_snapshot_and_restore_brings_everything_back(tmp_path):
    database = tmp_path / "db.sqlite3"
    env = app_env(f"sqlite:///{database}")
    backups = tmp_path / "backups"

    drill(env, lambda: closing(sqlite3.connect(database)), backups)

    # Backing up a live database: a write still open in another connection is not in the backup.
    for p in backups.iterdir():
        p.unlink()
    writer = sqlite3.connect(database, isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")
    writer.execute("UPDATE schemes_scheme SET name = 'uncommitted'")
    try:
        run(["scripts/backup.py", "backup", "--dir", str(backups)], env)
    finally:
        writer.execute("ROLLBACK")
        writer.close()
    (backup,) = backups.iterdir()
    with closing(sqlite3.connect(backup)) as conn:
        names = {row[0] for row in conn.execute("SELECT name FROM schemes_scheme")}
        assert names and "uncommitted" not in names
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
