"""The store's schema as forward migrations, one list of statements per version.

A store records the schema version it was written with (``meta.schema_version``).
Opening an older store applies the missing migrations in one transaction each; a
store written by a newer callreview is refused (it may hold what this one cannot
keep intact). Statements are written once for both backends: ``{id}`` becomes the
backend's auto-increment primary key, ``{blob}`` its long-text type and ``{real}`` an
8-byte float (PostgreSQL's REAL has 4 bytes: a Unix time in it is off by a minute).

Times are Unix seconds (8-byte floats); dates are ``YYYY-MM-DD`` text; result bodies are the
JSON contracts of :mod:`callreview.results` and :mod:`callreview.transcript`.
"""

from __future__ import annotations

MARKED_TABLES: dict[str, str] = {
    "calls": (
        "UPDATE OF sha256, path, agent, call_id, call_date, direction, customer_name, "
        "duration_s, metadata, state, claim_token, claimed_by, attempts, current_review, "
        "created_at, updated_at"
    ),
    **{
        table: "UPDATE"
        for table in (
            "call_paths",
            "transcripts",
            "reviews",
            "errors",
            "runs",
            "samples",
            "sample_calls",
            "users",
            "overrides",
            "appeals",
            "review_items",
            "review_finals",
            "calibration_rounds",
            "calibration_calls",
            "calibration_reviewers",
            "calibration_marks",
            "acknowledgements",
            "review_facts",
            "review_hits",
        )
    },
}
"""The tables whose changes move the data mark (migration 9), each with the update that does:
every table but ``meta``, ``sessions``, ``audit``, search's index and the redactions found
(``redaction_lists``, a cache); a call's lease renewal alone (``lease_until``) does not. A new
table goes here and gets its triggers in its migration."""


def _mark_triggers(table: str, update: str) -> tuple[str, ...]:
    """The statements that make a change of ``table`` move the data mark, on both backends."""
    sqlite = tuple(
        f"-- sqlite\nCREATE TRIGGER data_mark_{table}_{name} AFTER {event} ON {table} "
        "BEGIN UPDATE data_mark SET n = n + 1 WHERE id = 1; END"
        for name, event in (("insert", "INSERT"), ("update", update), ("delete", "DELETE"))
    )
    postgresql = (
        f"-- postgresql\nCREATE CONSTRAINT TRIGGER data_mark_{table} AFTER INSERT OR {update} "
        f"OR DELETE ON {table} DEFERRABLE INITIALLY DEFERRED FOR EACH ROW "
        "EXECUTE PROCEDURE callreview_data_mark()"
    )
    return (*sqlite, postgresql)


MIGRATIONS: tuple[tuple[str, ...], ...] = (
    # 1: calls, their paths, transcripts, versioned reviews, errors, runs, samples
    (
        "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
        """CREATE TABLE calls (
            id {id},
            sha256 TEXT NOT NULL UNIQUE,
            path TEXT NOT NULL,
            agent TEXT,
            call_id TEXT,
            call_date TEXT,
            direction TEXT,
            customer_name TEXT,
            duration_s {real},
            metadata {blob},
            state TEXT NOT NULL DEFAULT 'pending',
            claim_token TEXT,
            claimed_by TEXT,
            lease_until {real},
            attempts INTEGER NOT NULL DEFAULT 0,
            current_review INTEGER,
            created_at {real} NOT NULL,
            updated_at {real} NOT NULL
        )""",
        "CREATE INDEX calls_state ON calls (state)",
        "CREATE INDEX calls_agent_date ON calls (agent, call_date)",
        "CREATE INDEX calls_date ON calls (call_date)",
        """CREATE TABLE call_paths (
            call INTEGER NOT NULL REFERENCES calls (id),
            path TEXT NOT NULL,
            first_seen {real} NOT NULL,
            PRIMARY KEY (call, path)
        )""",
        "CREATE INDEX call_paths_path ON call_paths (path)",
        """CREATE TABLE transcripts (
            key TEXT PRIMARY KEY,
            call INTEGER NOT NULL REFERENCES calls (id),
            model TEXT NOT NULL,
            body {blob} NOT NULL,
            created_at {real} NOT NULL
        )""",
        "CREATE INDEX transcripts_call ON transcripts (call)",
        """CREATE TABLE reviews (
            id {id},
            call INTEGER NOT NULL REFERENCES calls (id),
            version INTEGER NOT NULL,
            transcript_key TEXT,
            engine TEXT NOT NULL,
            fingerprint TEXT NOT NULL,
            score {real},
            band TEXT,
            needs_review INTEGER NOT NULL,
            body {blob} NOT NULL,
            created_at {real} NOT NULL,
            UNIQUE (call, version)
        )""",
        """CREATE TABLE errors (
            id {id},
            call INTEGER REFERENCES calls (id),
            sha256 TEXT,
            path TEXT NOT NULL,
            message TEXT NOT NULL,
            exit_code INTEGER NOT NULL,
            worker TEXT,
            at {real} NOT NULL
        )""",
        "CREATE INDEX errors_path ON errors (path)",
        """CREATE TABLE runs (
            id {id},
            kind TEXT NOT NULL,
            host TEXT NOT NULL,
            pid INTEGER NOT NULL,
            args {blob},
            started_at {real} NOT NULL,
            finished_at {real},
            scored INTEGER NOT NULL DEFAULT 0,
            skipped INTEGER NOT NULL DEFAULT 0,
            failed INTEGER NOT NULL DEFAULT 0
        )""",
        """CREATE TABLE samples (
            id {id},
            name TEXT NOT NULL UNIQUE,
            params {blob},
            created_at {real} NOT NULL
        )""",
        """CREATE TABLE sample_calls (
            sample INTEGER NOT NULL REFERENCES samples (id),
            call INTEGER NOT NULL REFERENCES calls (id),
            PRIMARY KEY (sample, call)
        )""",
    ),
    # 2: people and their decisions: users, item overrides, appeals
    (
        """CREATE TABLE users (
            id {id},
            name TEXT NOT NULL UNIQUE,
            role TEXT NOT NULL,
            agent TEXT,
            password_hash TEXT NOT NULL,
            created_at {real} NOT NULL
        )""",
        """CREATE TABLE overrides (
            id {id},
            call INTEGER NOT NULL REFERENCES calls (id),
            review INTEGER NOT NULL REFERENCES reviews (id),
            item TEXT NOT NULL,
            from_status TEXT NOT NULL,
            to_status TEXT NOT NULL,
            note TEXT NOT NULL,
            by_user TEXT NOT NULL,
            at {real} NOT NULL
        )""",
        "CREATE INDEX overrides_call ON overrides (call)",
        """CREATE TABLE appeals (
            id {id},
            call INTEGER NOT NULL REFERENCES calls (id),
            item TEXT NOT NULL,
            reason TEXT NOT NULL,
            by_user TEXT NOT NULL,
            at {real} NOT NULL,
            status TEXT NOT NULL DEFAULT 'open',
            decided_by TEXT,
            decided_at {real},
            decision_note TEXT
        )""",
        "CREATE INDEX appeals_call ON appeals (call)",
    ),
    # 3: the web app's view of human review (callreview.team.people). review_items: each review's
    # item statuses, automatic and final (after overrides), so the queue filters and the agreement
    # and agent figures are SQL; filled from review bodies as the app meets them (reviews never
    # change). review_finals: a review a person has reviewed, with the score the scorecard gave it
    # after their overrides.
    (
        """CREATE TABLE review_items (
            review INTEGER NOT NULL REFERENCES reviews (id),
            call INTEGER NOT NULL REFERENCES calls (id),
            item TEXT NOT NULL,
            auto TEXT NOT NULL,
            final TEXT NOT NULL,
            PRIMARY KEY (review, item)
        )""",
        "CREATE INDEX review_items_item ON review_items (item, final)",
        """CREATE TABLE review_finals (
            review INTEGER PRIMARY KEY REFERENCES reviews (id),
            call INTEGER NOT NULL REFERENCES calls (id),
            score {real},
            band TEXT,
            reviewed_by TEXT NOT NULL,
            reviewed_at {real} NOT NULL
        )""",
        "CREATE INDEX review_finals_call ON review_finals (call)",
        "CREATE INDEX appeals_status ON appeals (status)",
        "CREATE INDEX overrides_review ON overrides (review, item)",
        "CREATE INDEX calls_current_review ON calls (current_review)",
    ),
    # 4: the web app's sessions (a hash of each cookie's random id, so a revoked or idle session
    # ends on the server) and the audit trail: who did what, when (never transcript text)
    (
        """CREATE TABLE sessions (
            id {id},
            token_hash TEXT NOT NULL UNIQUE,
            user_name TEXT NOT NULL,
            created_at {real} NOT NULL,
            last_seen {real} NOT NULL,
            revoked_at {real}
        )""",
        "CREATE INDEX sessions_user ON sessions (user_name)",
        """CREATE TABLE audit (
            id {id},
            at {real} NOT NULL,
            actor TEXT NOT NULL,
            action TEXT NOT NULL,
            subject TEXT NOT NULL,
            detail TEXT NOT NULL
        )""",
        "CREATE INDEX audit_at ON audit (at)",
    ),
    # 5: the search index of every stored turn (callreview.store.search): its words and "sounds
    # like" tokens, made by the matching layer and handed in; SQLite keeps them in FTS5,
    # PostgreSQL in tsvectors with GIN. A store's existing calls wait in search_pending until
    # the layer that makes the tokens indexes them (once, on the first search or serve).
    (
        "CREATE TABLE search_pending (call INTEGER PRIMARY KEY REFERENCES calls (id))",
        """-- sqlite
        CREATE TABLE search_turns (
            id {id},
            call INTEGER NOT NULL REFERENCES calls (id),
            turn INTEGER NOT NULL,
            role TEXT NOT NULL,
            start_s {real} NOT NULL,
            end_s {real} NOT NULL,
            text {blob} NOT NULL,
            words {blob} NOT NULL,
            sounds {blob} NOT NULL
        )""",
        """-- sqlite
        CREATE VIRTUAL TABLE search_fts USING fts5 (
            words, sounds, content = 'search_turns', content_rowid = 'id',
            tokenize = "ascii tokenchars '_'"
        )""",
        """-- postgresql
        CREATE TABLE search_turns (
            id {id},
            call INTEGER NOT NULL REFERENCES calls (id),
            turn INTEGER NOT NULL,
            role TEXT NOT NULL,
            start_s {real} NOT NULL,
            end_s {real} NOT NULL,
            text {blob} NOT NULL,
            words TSVECTOR NOT NULL,
            sounds TSVECTOR NOT NULL
        )""",
        "-- postgresql\nCREATE INDEX search_turns_words ON search_turns USING GIN (words)",
        "-- postgresql\nCREATE INDEX search_turns_sounds ON search_turns USING GIN (sounds)",
        "CREATE INDEX search_turns_call ON search_turns (call)",
        "INSERT INTO search_pending (call) SELECT DISTINCT call FROM transcripts",
    ),
    # 6: the language each user chose for the web app (NULL: the browser's, else the site's)
    ("ALTER TABLE users ADD COLUMN language TEXT",),
    # 7: the QC programme around the results (callreview.store.calibration, .feedback):
    # calibration rounds (calls several reviewers score blind, each call at the review version
    # it had when the round began; a reviewer's marks of a call are written at once, on submit)
    # and agents' acknowledgements of a reviewed version
    (
        """CREATE TABLE calibration_rounds (
            id {id},
            name TEXT NOT NULL,
            created_by TEXT NOT NULL,
            created_at {real} NOT NULL
        )""",
        """CREATE TABLE calibration_calls (
            round INTEGER NOT NULL REFERENCES calibration_rounds (id),
            call INTEGER NOT NULL REFERENCES calls (id),
            review INTEGER NOT NULL REFERENCES reviews (id),
            PRIMARY KEY (round, call)
        )""",
        "CREATE INDEX calibration_calls_call ON calibration_calls (call)",
        """CREATE TABLE calibration_reviewers (
            round INTEGER NOT NULL REFERENCES calibration_rounds (id),
            reviewer TEXT NOT NULL,
            PRIMARY KEY (round, reviewer)
        )""",
        """CREATE TABLE calibration_marks (
            round INTEGER NOT NULL REFERENCES calibration_rounds (id),
            call INTEGER NOT NULL REFERENCES calls (id),
            reviewer TEXT NOT NULL,
            item TEXT NOT NULL,
            status TEXT NOT NULL,
            at {real} NOT NULL,
            PRIMARY KEY (round, call, reviewer, item)
        )""",
        "CREATE INDEX calibration_marks_call ON calibration_marks (call)",
        """CREATE TABLE acknowledgements (
            review INTEGER PRIMARY KEY REFERENCES reviews (id),
            call INTEGER NOT NULL REFERENCES calls (id),
            by_user TEXT NOT NULL,
            at {real} NOT NULL
        )""",
        "CREATE INDEX acknowledgements_call ON acknowledgements (call)",
    ),
    # 8: what the summary and the agents page count, beside review_items, so they are SQL over
    # indexed rows instead of review bodies (callreview.store.aggregates): each review's
    # automatic score, band, band label, whether it waits for a person, its item statuses and
    # its parts heard or not, as short texts few reviews differ in (review_facts), and its
    # phrase hits per item (review_hits). Filled as reviews are written; a store's older
    # reviews once, on first use.
    (
        """CREATE TABLE review_facts (
            review INTEGER PRIMARY KEY REFERENCES reviews (id),
            call INTEGER NOT NULL REFERENCES calls (id),
            score {real},
            band TEXT,
            band_label TEXT,
            needs_review INTEGER NOT NULL,
            waits INTEGER NOT NULL,
            delivery_waits INTEGER NOT NULL,
            statuses TEXT NOT NULL,
            parts TEXT NOT NULL
        )""",
        "CREATE INDEX review_facts_call ON review_facts (call)",
        """CREATE TABLE review_hits (
            review INTEGER NOT NULL REFERENCES reviews (id),
            call INTEGER NOT NULL REFERENCES calls (id),
            item TEXT NOT NULL,
            phrase TEXT NOT NULL,
            hits INTEGER NOT NULL,
            PRIMARY KEY (review, item, phrase)
        )""",
        "CREATE INDEX review_hits_call ON review_hits (call)",
    ),
    # 9: the store's data mark (callreview.store.version), a number every committed change of
    # what the pages show moves on, kept by triggers; a session's touch, the audit trail,
    # search's index and a lease renewal leave it as it is
    (
        "CREATE TABLE data_mark (id INTEGER PRIMARY KEY, n INTEGER NOT NULL)",
        "INSERT INTO data_mark (id, n) VALUES (1, 0)",
        # PostgreSQL: once per transaction, at its commit (a deferred trigger: the mark's row is
        # the last lock a writer takes, so two writers never wait on each other in a cycle)
        """-- postgresql
        CREATE OR REPLACE FUNCTION callreview_data_mark() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF current_setting('callreview.marked', true) IS DISTINCT FROM
                    txid_current()::text THEN
                UPDATE data_mark SET n = n + 1 WHERE id = 1;
                PERFORM set_config('callreview.marked', txid_current()::text, true);
            END IF;
            RETURN NULL;
        END
        $$""",
        *(
            statement
            for table, update in MARKED_TABLES.items()
            for statement in _mark_triggers(table, update)
        ),
    ),
    # 10: what the redaction rules found in a transcript (labels and times, never a value), kept
    # per set of rules so an export lists a call's redactions without reading its transcript
    # again (callreview.store.redactions); a cache: no page reads it, the data mark ignores it
    (
        """CREATE TABLE redaction_lists (
            transcript TEXT NOT NULL REFERENCES transcripts (key),
            rules TEXT NOT NULL,
            call INTEGER NOT NULL REFERENCES calls (id),
            found TEXT NOT NULL,
            PRIMARY KEY (transcript, rules)
        )""",
        "CREATE INDEX redaction_lists_call ON redaction_lists (call)",
    ),
)

SCHEMA_VERSION = len(MIGRATIONS)
"""The version this callreview writes; stores at a lower one are upgraded on open."""


def for_backend(statement: str, backend: str) -> bool:
    """Whether a migration statement runs on ``backend``: one that starts ``-- sqlite`` or
    ``-- postgresql`` is that backend's alone, any other runs on both."""
    head = statement.lstrip()
    if not head.startswith("-- "):
        return True
    return head[3:].split(None, 1)[0] == backend
