"""The ``meta`` table: the schema version (migrations on open) and the few values a store keeps
for the programs that share it (the web app's session secret)."""

from __future__ import annotations

from callreview.errors import StoreError
from callreview.store.part import Part
from callreview.store.schema import MIGRATIONS, SCHEMA_VERSION, for_backend


class Meta(Part):
    def schema_version(self) -> int:
        if not self._has_meta():
            return 0
        row = self.db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        return int(row[0]) if row else 0

    def _has_meta(self) -> bool:
        if self.db.name == "sqlite":
            sql = "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta'"
        else:
            sql = (
                "SELECT 1 FROM information_schema.tables "
                "WHERE table_schema = current_schema() AND table_name = 'meta'"
            )
        return self.db.execute(sql).fetchone() is not None

    def _foreign_tables(self) -> list[str]:
        """The tables of an SQLite file that holds no callreview store ([] for a store, an
        empty file or PostgreSQL): such a file is refused, never given callreview's tables."""
        if self.db.name != "sqlite" or self._has_meta():
            return []
        rows = self.db.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
            "ORDER BY name"
        ).fetchall()
        return [str(r[0]) for r in rows]

    def _migrate(self) -> None:
        foreign = self._foreign_tables()
        if foreign:
            raise StoreError(
                f"{self.where}: not a callreview store (it has tables {', '.join(foreign)}); "
                "point --db at a new file or a callreview store"
            )
        if self.db.read_only:
            version = self.schema_version()
            if version != SCHEMA_VERSION:
                raise StoreError(
                    f"{self.where}: the store is read-only and at schema {version}, not "
                    f"{SCHEMA_VERSION}; open it once where it may be written, or use another --db"
                )
            return
        # under the write lock: two processes opening a new store migrate once
        with self.db.transaction():
            if self.db.name != "sqlite":
                # PostgreSQL takes no lock for a transaction: two CREATE TABLEs collide
                self.db.execute("SELECT pg_advisory_xact_lock(7242024)")
            version = self.schema_version()
            if version > SCHEMA_VERSION:
                raise StoreError(
                    f"{self.where}: this store was written by a newer callreview "
                    f"(schema {version}, this one reads up to {SCHEMA_VERSION}); "
                    "upgrade callreview, or use another --db"
                )
            for number in range(version + 1, SCHEMA_VERSION + 1):
                for statement in MIGRATIONS[number - 1]:
                    if for_backend(statement, self.db.name):
                        self.db.execute(self.db.ddl(statement))
                if number == 1:
                    self.db.execute(
                        "INSERT INTO meta (key, value) VALUES ('schema_version', ?)", (str(number),)
                    )
                else:
                    self.db.execute(
                        "UPDATE meta SET value = ? WHERE key = 'schema_version'", (str(number),)
                    )

    def meta_value(self, key: str) -> str | None:
        """A value kept in ``meta`` (``None`` if there is none)."""
        row = self.db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return str(row[0]) if row else None

    def meta_default(self, key: str, value: str) -> str:
        """The value kept under ``key``, set to ``value`` first if there is none: the first
        process to ask wins, every other one reads what it stored."""
        with self.db.transaction():
            self.db.execute(
                "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING",
                (key, value),
            )
        return str(self.meta_value(key))
