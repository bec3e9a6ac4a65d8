"""`make backup` / `make restore FILE=...`: back up or restore the database the settings point at.

PostgreSQL (DATABASE_URL=postgres://...): pg_dump's custom format, restored with pg_restore --clean --if-exists
in one transaction, so a restore that fails part-way leaves the database as it was.
SQLite (the default db.sqlite3): SQLite's online backup API, which copies a consistent snapshot even while the
site is running; a plain file copy of a live database can catch a half-written page.

    python scripts/backup.py backup [--dir backups]
    python scripts/backup.py restore backups/<file> [--dir backups]

A restore first backs up the current database beside the others, so a restore of the wrong file can be undone.
"""

import argparse
import datetime as dt
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

PG_SUFFIX = ".pgdump"
SQLITE_SUFFIX = ".sqlite3"


def database() -> dict:
    """The default database's settings, exactly as the site would connect."""
    from django.conf import settings

    return settings.DATABASES["default"]


def is_postgres(db: dict) -> bool:
    return "postgresql" in db["ENGINE"]


def _sqlite_path(db: dict) -> Path:
    name = str(db["NAME"])
    if name in ("", ":memory:") or name.startswith("file::memory:"):
        sys.exit("The database is in memory: there is nothing on disk to back up.")
    return Path(name)


def _pg_args(db: dict) -> tuple[list[str], dict]:
    args = ["--host", db.get("HOST") or "127.0.0.1", "--port", str(db.get("PORT") or 5432)]
    if db.get("USER"):
        args += ["--username", db["USER"]]
    env = {**os.environ}
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = db["PASSWORD"]  # not on the command line, where `ps` would show it
    return args, env


def _tool(name: str) -> str:
    path = shutil.which(name)
    if not path:
        sys.exit(f"{name} is not installed: apt-get install postgresql-client")
    return path


def _new_path(directory: Path, stem: str, suffix: str) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%d-%H%M%SZ")
    path = directory / f"{stem}-{stamp}{suffix}"
    n = 1
    while path.exists():  # two backups in the same second keep both
        path = directory / f"{stem}-{stamp}-{n}{suffix}"
        n += 1
    return path


def backup(db: dict, directory: Path, *, label: str = "") -> Path:
    """Write a backup of `db` into `directory` under a timestamped name and check it can be read back."""
    if is_postgres(db):
        path = _new_path(directory, f"{db['NAME']}{label}", PG_SUFFIX)
        args, env = _pg_args(db)
        subprocess.run(
            [_tool("pg_dump"), *args, "--format=custom", "--file", str(path), db["NAME"]], env=env, check=True
        )
        # A truncated or corrupt archive fails here rather than on the day it is needed.
        subprocess.run([_tool("pg_restore"), "--list", str(path)], check=True, stdout=subprocess.DEVNULL)
    else:
        source = _sqlite_path(db)
        if not source.exists():
            sys.exit(f"{source} does not exist: nothing to back up.")
        path = _new_path(directory, f"{source.stem}{label}", SQLITE_SUFFIX)
        with sqlite3.connect(f"file:{source}?mode=ro", uri=True) as src, sqlite3.connect(path) as dst:
            src.backup(dst)
        with sqlite3.connect(path) as check:
            result = check.execute("PRAGMA integrity_check").fetchone()[0]
        if result != "ok":
            sys.exit(f"The backup {path} failed SQLite's integrity check: {result}")
    return path


def restore(db: dict, path: Path) -> None:
    """Replace the contents of `db` with the backup at `path`."""
    if not path.is_file():
        sys.exit(f"{path} is not a file.")
    if is_postgres(db):
        if path.suffix != PG_SUFFIX:
            sys.exit(f"{path} is not a PostgreSQL backup ({PG_SUFFIX}), and DATABASE_URL is PostgreSQL.")
        args, env = _pg_args(db)
        subprocess.run(
            [
                _tool("pg_restore"),
                *args,
                "--clean",
                "--if-exists",
                "--no-owner",
                "--single-transaction",
                "--dbname",
                db["NAME"],
                str(path),
            ],
            env=env,
            check=True,
        )
    else:
        if path.suffix != SQLITE_SUFFIX:
            sys.exit(f"{path} is not a SQLite backup ({SQLITE_SUFFIX}), and the database is SQLite.")
        target = _sqlite_path(db)
        # The backup API copies into the live file under SQLite's own locks, so open connections see either the
        # old database or the restored one, never a mix.
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as src, sqlite3.connect(target) as dst:
            src.backup(dst)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("action", choices=["backup", "restore"])
    parser.add_argument("file", nargs="?", help="the backup to restore")
    parser.add_argument("--dir", type=Path, default=ROOT / "backups", help="where backups go (default backups/)")
    options = parser.parse_args(argv)
    db = database()
    where = f"{db['NAME']}" + (f" on {db.get('HOST') or '127.0.0.1'}" if is_postgres(db) else "")
    if options.action == "backup":
        path = backup(db, options.dir)
        print(f"Backed up {where} to {path} ({path.stat().st_size:,} bytes)")
        return
    if not options.file:
        parser.error("restore needs the backup file: restore backups/<file>")
    safety = backup(db, options.dir, label="-before-restore")
    print(f"Backed up the current database to {safety} first")
    restore(db, Path(options.file))
    print(f"Restored {where} from {options.file}")


if __name__ == "__main__":
    main()
