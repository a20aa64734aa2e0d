"""A derived, rebuildable index of the run records: ``<runs_dir>/.index/records.sqlite``.

The JSON records stay the source of truth; the index only saves reading them again. It holds,
per ``*.json`` file under the runs folder, the file's stamp (inode, size, mtime, ctime), what
reading it found (a valid record at its path, a file that is not one and why, or a stray) and,
for a record, the columns a leaderboard needs (its metrics as JSON that SQLite reads, so a board
of 100 000 records gets its metric columns from SQLite, not from parsing JSON in Python), what
resume asks (:func:`resume_facts`), and its whole JSON in a table of its own; and per folder
its mtime and its sub-folders. It is written after each record (:meth:`RecordIndex.put`) and
repaired before each read (:meth:`RecordIndex.view`):

* a folder whose mtime is the one indexed is trusted without listing it (a record written,
  replaced, copied or deleted changes its folder's mtime: the harness, git and editors that save
  by renaming all replace files), so checking 100 000 records costs a stat per folder; a folder
  that changed is listed again and its files stat'ed, and only files whose stamp changed are
  read. A folder or file modified within :data:`RACY_NS` of the check is checked again next
  time (its timestamp may not yet tell a later change apart);
* :meth:`RecordIndex.lookup` (resume) stats the one record file it is asked about, so it also
  sees a file rewritten in place; a board sees such an edit once its folder changes
  (delete ``<runs_dir>/.index`` to have everything read again);
* an index that is missing, of another format, copied from another results folder, or damaged
  (truncated, garbage: one warning line) is rebuilt from the JSON files.

Concurrent writers (cells, launchers, several sweeps on one results folder) share it through
SQLite's write-ahead log and its locks; every write is one transaction, so a writer killed
mid-write leaves the index as it was. A write that fails (locked too long, read-only or full
disk) is skipped: the record is on disk, the next read indexes it. Where the folder cannot take
an index at all, reads run the same checks on an index in memory, reading every file.

A record's artifact folder (``<run_id>/`` beside it) is not looked into: its files are never
records.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness.records import RecordError, RunRecord, at_its_path, read_record

FORMAT = 3  # the layout of the tables; another value is rebuilt
INDEX_DIR = ".index"
INDEX_NAME = "records.sqlite"
RACY_NS = 2_000_000_000
BUSY_TIMEOUT_S = 30.0
BATCH = 2000  # rows per transaction of a rebuild
UNKNOWN_CODE = "unknown"
SEP = "\x01"  # joins a file's path parts in its key: keys then sort as sorted(Path) does

# kinds of indexed files
RECORD, BAD, STRAY = "record", "bad", "stray"

BOARD_FIELDS = (
    "run_id",
    "task",
    "method",
    "slot",
    "seed",
    "scale",
    "status",
    "config_hash",
    "primary_metric",
    "goal",
    "train_seconds",
    "cpu_seconds",
)
SCHEMA = f"""
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS dirs (
    rel TEXT PRIMARY KEY, mtime_ns INTEGER, n_files INTEGER, subdirs TEXT
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS files (
    key TEXT PRIMARY KEY, dir TEXT NOT NULL,
    ino INTEGER, size INTEGER, mtime_ns INTEGER, ctime_ns INTEGER,
    kind TEXT NOT NULL, problem TEXT,
    {", ".join(BOARD_FIELDS)},
    primary_value REAL, code TEXT, data TEXT, runtime TEXT, metrics TEXT, nonfinite TEXT,
    metric_names TEXT, resume TEXT
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS bodies (key TEXT PRIMARY KEY, body TEXT);
CREATE INDEX IF NOT EXISTS files_by_dir ON files (dir);
"""
COLUMNS = (
    "key",
    "dir",
    "ino",
    "size",
    "mtime_ns",
    "ctime_ns",
    "kind",
    "problem",
    *BOARD_FIELDS,
    "primary_value",
    "code",
    "data",
    "runtime",
    "metrics",
    "nonfinite",
    "metric_names",
    "resume",
    "body",  # kept in a table of its own: a scan of the narrow rows of ``files`` never reads it
)
FILE_COLUMNS = COLUMNS[:-1]
UPSERT = (
    f"INSERT OR REPLACE INTO files ({', '.join(FILE_COLUMNS)}) "
    f"VALUES ({', '.join('?' * len(FILE_COLUMNS))})"
)
STAMP = ("ino", "size", "mtime_ns", "ctime_ns")
UPSERT_BODY = "INSERT OR REPLACE INTO bodies VALUES (?, ?)"
FROM_FILES = "FROM files LEFT JOIN bodies ON bodies.key = files.key"


def _selected(columns: Iterable[str]) -> str:
    """The SELECT list of ``columns`` over :data:`FROM_FILES`."""
    return ", ".join("bodies.body" if c == "body" else f"files.{c}" for c in columns)


def _upsert(con: sqlite3.Connection, rows: list[tuple[Any, ...]]) -> None:
    """Write ``rows`` (of :data:`COLUMNS`) into ``files`` and ``bodies``."""
    con.executemany(UPSERT, (row[:-1] for row in rows))
    con.executemany(UPSERT_BODY, ((row[0], row[-1]) for row in rows))


def _delete(con: sqlite3.Connection, keys: list[str]) -> None:
    """Remove the files ``keys`` from the index."""
    con.executemany("DELETE FROM files WHERE key = ?", ((k,) for k in keys))
    con.executemany("DELETE FROM bodies WHERE key = ?", ((k,) for k in keys))


Stamp = tuple[int, int, int, int]
FIELDS = tuple(RunRecord.__dataclass_fields__)


# What :meth:`IndexView.records` gives per record: these columns, then the ones asked for.
HEAD = ("key", "kind", "problem", "run_id")
DERIVED = ("primary_value", "code", "data", "runtime")
BOARD_COLUMNS = (*BOARD_FIELDS, *DERIVED)  # what a leaderboard reads, besides the metrics


def code_of(record: RunRecord) -> str:
    """The hash of a record's code identity (``unknown`` for records without one)."""
    if not record.code:
        return UNKNOWN_CODE
    from harness.identity import code_hash

    return code_hash(record.code)


def runtime_of(record: RunRecord) -> str:
    """``cpu``, ``cuda`` or ``cuda+amp``: the device kind and precision that ran the record."""
    kind = record.trainer.get("device_kind") or record.device.get("type") or "?"
    return f"{kind}+amp" if record.trainer.get("amp") else str(kind)


def data_of(record: RunRecord) -> str:
    """The user's own files a record read, as ``name@sha256[:8]`` (empty: registered data)."""
    return ", ".join(
        f"{Path(path).name}@{checksum[:8]}" for path, checksum in sorted(record.user_data.items())
    )


def resume_facts(record: RunRecord) -> dict[str, Any]:
    """What resume asks of a cell's stored record: its status, code (hash) and data checksums."""
    return {
        "status": record.status,
        "code": code_of(record),
        "data": record.data,
        "user_data": record.user_data,
    }


def metrics_columns(metrics: dict[str, float]) -> tuple[str, str | None, str]:
    """A record's metrics as the index keeps them: strict JSON that SQLite's JSON functions read
    (keys unescaped, a non-finite value as ``null``), the non-finite values apart in Python's
    JSON (``NaN``, ``Infinity``) or ``None`` when there are none, and the names, sorted (a
    board groups records by these to find its metric columns)."""
    odd = {k: v for k, v in metrics.items() if isinstance(v, float) and not math.isfinite(v)}
    strict = {k: None if k in odd else v for k, v in metrics.items()} if odd else metrics
    return (
        json.dumps(strict, sort_keys=True, ensure_ascii=False, allow_nan=False),
        json.dumps(odd, sort_keys=True) if odd else None,
        json.dumps(sorted(metrics), ensure_ascii=False),
    )


def _stamp(st: os.stat_result) -> Stamp:
    return (st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)


def _key(parts: Iterable[str]) -> str:
    return SEP.join(parts)


class RecordIndex:
    """The index of the records under ``runs_dir`` (see the module's docstring)."""

    def __init__(self, runs_dir: Path, warn: Callable[[str], None]) -> None:
        self.runs_dir = runs_dir
        self.warn = warn
        # strings: a store is made per cell, and resume checks thousands of cells
        self.root = os.fspath(runs_dir)
        self.name = os.path.join(self.root, INDEX_DIR, INDEX_NAME)

    @property
    def path(self) -> Path:
        """The index's file."""
        return Path(self.name)

    # -- writing -------------------------------------------------------------------------
    def put(self, path: Path) -> None:
        """Index the record just stored at ``path`` (read back, so the index holds what any
        reader of the file gets); a failed write is skipped (the next read indexes the file)."""
        with contextlib.suppress(sqlite3.Error, OSError):
            con = _connection(self)
            parts = path.relative_to(self.runs_dir).parts
            # The file is this process's own, just renamed into place (a new inode): its stamp
            # is trusted at once, unlike that of a file found by a read (see RACY_NS).
            row = _read_row(self.runs_dir, parts, _stamp(path.stat()))
            with _transaction(con):
                _upsert(con, [row])

    # -- reading -------------------------------------------------------------------------
    def view(self, task: str | None = None) -> IndexView | None:
        """The index brought up to date under the runs folder (one task's folder), to query;
        ``None`` when there is no such folder."""
        top = (task,) if task else ()
        if not (self.runs_dir.joinpath(*top)).is_dir():
            return None
        try:
            con = self._usable()
            _Sync(self, con, top).run()
        except sqlite3.DatabaseError as exc:
            if not _is_damage(exc):
                raise
            self._reset(exc)
            con = self._usable()
            _Sync(self, con, top).run()
        return IndexView(con, "/".join(top))

    def path_of(self, key: str) -> Path:
        """The file of an entry's ``key``."""
        return self.runs_dir.joinpath(*key.split(SEP))

    def body(self, key: str) -> dict[str, Any]:
        """The JSON of the indexed record ``key`` (an entry of kind ``record``)."""
        row = self._usable().execute("SELECT body FROM bodies WHERE key = ?", (key,)).fetchone()
        return json.loads(row[0]) if row and row[0] else {}

    def lookup(self, task: str, method: str, run_id: str, column: str = "body") -> str | None:
        """A column of the record stored for a cell (``body``: its JSON; ``resume``:
        :func:`resume_facts` as JSON), or ``None`` when it has none; a file there that is no
        valid record of this cell is warned about (``the cell will run again``) and gives
        ``None``. See :meth:`lookup_many`."""
        return self.lookup_many(task, method, [run_id], column)[0]

    def lookup_many(
        self, task: str, method: str, run_ids: Sequence[str], column: str = "body"
    ) -> list[str | None]:
        """:meth:`lookup` of many cells of one task and method: one query for them all, then a
        stat per file. A file whose stamp is not the indexed one is read (and indexed), so an
        edit in place is seen. Resume asks this for every cell of a sweep, so it works on
        strings, not paths."""
        if column not in COLUMNS:
            raise ValueError(f"the index has no column {column!r}")
        con = None
        with contextlib.suppress(sqlite3.Error, OSError):
            con = _connection(self)
        known: dict[str, list[Any]] = {}
        if con is not None:
            with contextlib.suppress(sqlite3.Error):
                known = {
                    key: rest
                    for key, *rest in con.execute(
                        f"SELECT {_selected(('key', *STAMP, 'kind', 'problem', column))} "
                        f"{FROM_FILES} WHERE files.key IN (SELECT value FROM json_each(?))",
                        (json.dumps([_key((task, method, f"{r}.json")) for r in run_ids]),),
                    )
                }
        return [self._lookup_one(con, known, (task, method, f"{r}.json"), column) for r in run_ids]

    def _lookup_one(
        self,
        con: sqlite3.Connection | None,
        known: dict[str, list[Any]],
        parts: tuple[str, str, str],
        column: str,
    ) -> str | None:
        """One file's answer for :meth:`lookup_many`: the indexed ``column`` when the file's
        stamp is the indexed one, else what reading the file gives."""
        try:
            st: os.stat_result | None = os.stat(os.path.join(self.root, *parts))
        except FileNotFoundError:
            return None
        except OSError:
            st = None
        row = known.get(_key(parts))
        if row is None or st is None or tuple(row[:4]) != _stamp(st):
            stamp = _fresh_stamp(st, time.time_ns()) if st is not None else None
            read = _read_row(self.runs_dir, parts, stamp)
            if con is not None and stamp is not None:
                with contextlib.suppress(sqlite3.Error, OSError), _transaction(con):
                    _upsert(con, [read])
            row = [*read[2:8], read[COLUMNS.index(column)]]  # stamp, kind, problem, column
        if row[4] != RECORD:
            path = self.runs_dir.joinpath(*parts)
            self.warn(f"ignoring {path}: {row[5]}; the cell will run again")
            return None
        return row[6]

    # -- connections -----------------------------------------------------------------------
    def _usable(self) -> sqlite3.Connection:
        """The index's connection, rebuilt when damaged; an index in memory where the folder
        cannot hold one."""
        try:
            con = _connection(self)
        except sqlite3.DatabaseError as exc:
            if not _is_damage(exc):
                return _memory_connection(self)
            self._reset(exc)
            try:
                con = _connection(self)
            except sqlite3.Error:
                return _memory_connection(self)
        except OSError:
            return _memory_connection(self)
        return con

    def _reset(self, exc: BaseException) -> None:
        """Delete a damaged index (one warning line); the next read rebuilds it."""
        self.warn(
            f"the record index {self.path} is damaged ({exc}); rebuilding it from the records"
        )
        _forget(self)
        for suffix in ("", "-wal", "-shm", "-journal"):
            with contextlib.suppress(OSError):
                os.unlink(f"{self.path}{suffix}")


def _row(
    parts: tuple[str, ...],
    stamp: Stamp | None,
    kind: str,
    problem: str | None,
    record: RunRecord | None,
) -> tuple[Any, ...]:
    """A ``files`` row (``COLUMNS``)."""
    head = (_key(parts), "/".join(parts[:-1]), *(stamp or (None,) * 4), kind, problem)
    if record is None:
        return (*head, *(None,) * (len(COLUMNS) - len(head)))
    values = tuple(getattr(record, name) for name in BOARD_FIELDS)
    primary = record.metrics.get(record.primary_metric)
    return (
        *head,
        *values,
        primary,
        code_of(record),
        data_of(record),
        runtime_of(record),
        *metrics_columns(record.metrics),
        json.dumps(resume_facts(record), sort_keys=True),
        # its fields hold JSON values already: no deep copy (``asdict``) needed to dump them
        json.dumps(
            {name: getattr(record, name) for name in FIELDS},
            sort_keys=True,
            separators=(",", ":"),
            default=str,
        ),
    )


def _read_row(runs_dir: Path, parts: tuple[str, ...], stamp: Stamp | None) -> tuple[Any, ...]:
    """The row of one file, read and checked as the records' readers do."""
    if len(parts) != 3:
        return _row(parts, stamp, STRAY, None, None)
    path = runs_dir.joinpath(*parts)
    try:
        record = at_its_path(read_record(path), parts[0], parts[1], path.stem)
    except RecordError as exc:
        return _row(parts, stamp, BAD, str(exc), None)
    return _row(parts, stamp, RECORD, None, record)


def _fresh_stamp(st: os.stat_result, now_ns: int) -> Stamp | None:
    """The stamp to keep for a file: none for one modified too recently to be trusted."""
    return None if now_ns - st.st_mtime_ns < RACY_NS else _stamp(st)


def _is_damage(exc: sqlite3.DatabaseError) -> bool:
    """Whether ``exc`` says the file is no (longer a whole) database, not that it is busy."""
    name = getattr(exc, "sqlite_errorname", "")
    if name:
        return name in ("SQLITE_CORRUPT", "SQLITE_NOTADB")
    return type(exc) is sqlite3.DatabaseError


@contextlib.contextmanager
def _transaction(con: sqlite3.Connection) -> Iterator[None]:
    con.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        con.execute("ROLLBACK")
        raise
    con.execute("COMMIT")


# Open connections, kept for the next read or write: at most MAX_OPEN, the least recently used
# closed first. A connection must not cross a fork (cells run in forked children) nor be shared
# between threads, so each is kept with the process and thread that opened it.
MAX_OPEN = 8
_OPEN: dict[tuple[int, int, str], sqlite3.Connection] = {}


def _cache_key(name: str) -> tuple[int, int, str]:
    return (os.getpid(), threading.get_ident(), name)


def _keep(key: tuple[int, int, str], con: sqlite3.Connection) -> sqlite3.Connection:
    _OPEN[key] = con
    while len(_OPEN) > MAX_OPEN:
        oldest = next(iter(_OPEN))
        stale = _OPEN.pop(oldest)
        if oldest[:2] == key[:2]:  # another process's or thread's: not ours to close
            with contextlib.suppress(sqlite3.Error):
                stale.close()
    return con


def _cached(name: str) -> sqlite3.Connection | None:
    key = _cache_key(name)
    con = _OPEN.pop(key, None)
    if con is not None:
        _OPEN[key] = con  # most recently used last
    return con


def _forget(index: RecordIndex) -> None:
    con = _OPEN.pop(_cache_key(index.name), None)
    if con is not None:
        with contextlib.suppress(sqlite3.Error):
            con.close()


def _identity(runs_dir: Path) -> str:
    st = runs_dir.stat()
    return f"{st.st_dev}:{st.st_ino}"


def _connection(index: RecordIndex) -> sqlite3.Connection:
    """The open index of ``index``, created or rebuilt (emptied) when missing, of another
    format or from another folder."""
    cached = _cached(index.name)
    if cached is not None:
        return cached
    if not index.path.is_file():
        folder = index.path.parent
        folder.mkdir(exist_ok=True)
        ignore = folder / ".gitignore"
        if not ignore.exists():
            ignore.write_text("# a derived index of the records (harness/index.py)\n*\n")
    con = sqlite3.connect(index.path, timeout=BUSY_TIMEOUT_S, isolation_level=None)
    try:
        con.execute("PRAGMA journal_mode=WAL")
        con.execute("PRAGMA synchronous=NORMAL")
        _prepare(index, con)
    except BaseException:
        con.close()
        raise
    return _keep(_cache_key(index.name), con)


def _memory_connection(index: RecordIndex) -> sqlite3.Connection:
    """An index in memory, for a runs folder that cannot hold one (it reads every file once per
    process)."""
    name = f":memory:{index.runs_dir}"
    cached = _cached(name)
    if cached is not None:
        return cached
    con = sqlite3.connect(":memory:", isolation_level=None)
    con.executescript(SCHEMA)
    return _keep(_cache_key(name), con)


def _prepare(index: RecordIndex, con: sqlite3.Connection) -> None:
    """Create the tables, or empty them when they are of another format or another folder.

    Checked without a lock first: every cell's process opens the index, and only the first
    (or a rebuild) needs to write."""
    identity = _identity(index.runs_dir)
    if _state(con, identity) == "ok":
        return
    with _transaction(con):
        state = _state(con, identity)  # another process may have prepared it meanwhile
        if state == "ok":
            return
        if state == "foreign":
            index.warn(
                f"the record index {index.path} was built for another results folder; "
                "rebuilding it from the records"
            )
        for table in ("meta", "dirs", "files", "bodies"):
            con.execute(f"DROP TABLE IF EXISTS {table}")
        for statement in SCHEMA.split(";"):
            if statement.strip():
                con.execute(statement)
        con.execute(f"PRAGMA user_version = {FORMAT}")
        con.execute("INSERT INTO meta VALUES ('runs_dir', ?)", (identity,))


def _state(con: sqlite3.Connection, identity: str) -> str:
    """``ok``, ``foreign`` (built for another folder) or ``new`` (empty or of another format)."""
    if con.execute("PRAGMA user_version").fetchone()[0] != FORMAT:
        return "new"
    found = con.execute("SELECT value FROM meta WHERE key = 'runs_dir'").fetchone()
    if found is None:
        return "new"
    return "ok" if found[0] == identity else "foreign"


class _Sync:
    """One check of the index against the folders under ``top``, then the entries in order."""

    def __init__(self, index: RecordIndex, con: sqlite3.Connection, top: tuple[str, ...]) -> None:
        self.index = index
        self.con = con
        self.top = top
        self.root = index.runs_dir
        self.now_ns = time.time_ns()

    def run(self) -> None:
        """Bring the index up to date under ``top``."""
        scope = "/".join(self.top)
        where, args = _scope_sql("rel", scope)
        known = {
            rel: (mtime, n, json.loads(subdirs))
            for rel, mtime, n, subdirs in self.con.execute(
                f"SELECT rel, mtime_ns, n_files, subdirs FROM dirs WHERE {where}", args
            )
        }
        where_f, args_f = _scope_sql("dir", scope)
        counts = dict(
            self.con.execute(
                f"SELECT dir, count(*) FROM files WHERE {where_f} GROUP BY dir", args_f
            ).fetchall()
        )
        listed: dict[str, tuple[int | None, dict[str, os.stat_result], list[str]]] = {}
        seen: set[str] = set()
        queue = [scope]
        while queue:
            rel = queue.pop()
            folder = self.root / rel if rel else self.root
            try:
                st = folder.stat()
            except OSError:
                continue
            seen.add(rel)
            old = known.get(rel)
            if old is not None and old[0] == st.st_mtime_ns and counts.get(rel, 0) == old[1]:
                queue.extend(old[2])
                continue
            files, subdirs = self._list(folder, rel)
            mtime = None if self.now_ns - st.st_mtime_ns < RACY_NS else st.st_mtime_ns
            listed[rel] = (mtime, files, subdirs)
            queue.extend(subdirs)
        self._apply(known, listed, seen)

    def _list(self, folder: Path, rel: str) -> tuple[dict[str, os.stat_result], list[str]]:
        """The ``*.json`` files of a folder with their stat, and the folders to look into."""
        depth = len(rel.split("/")) if rel else 0
        files: dict[str, os.stat_result] = {}
        dirs: list[str] = []
        with os.scandir(folder) as found:
            for entry in found:
                if entry.is_dir(follow_symlinks=False):
                    if depth == 0 and entry.name == INDEX_DIR:
                        continue
                    dirs.append(entry.name)
                elif entry.name.endswith(".json"):
                    with contextlib.suppress(OSError):
                        files[entry.name] = entry.stat()
        if depth == 2:  # a record's artifact folder holds no records: not looked into
            dirs = [d for d in dirs if f"{d}.json" not in files]
        prefix = f"{rel}/" if rel else ""
        return files, [prefix + d for d in dirs]

    def _apply(
        self,
        known: dict[str, tuple[int | None, int, list[str]]],
        listed: dict[str, tuple[int | None, dict[str, os.stat_result], list[str]]],
        seen: set[str],
    ) -> None:
        """Read what changed in the listed folders and write it, with the folders' new
        fingerprints and the removal of folders that are gone, in one transaction."""
        gone = [rel for rel in known if rel not in seen]
        if not listed and not gone:
            return
        with _transaction(self.con):
            for rel in gone:
                self.con.execute("DELETE FROM dirs WHERE rel = ?", (rel,))
                self.con.execute(
                    "DELETE FROM bodies WHERE key IN (SELECT key FROM files WHERE dir = ?)", (rel,)
                )
                self.con.execute("DELETE FROM files WHERE dir = ?", (rel,))
        rows: list[tuple[Any, ...]] = []
        deleted: list[str] = []
        dirs = []
        for rel, (mtime, files, subdirs) in listed.items():
            stamps = {
                key: tuple(stamp)
                for key, *stamp in self.con.execute(
                    "SELECT key, ino, size, mtime_ns, ctime_ns FROM files WHERE dir = ?", (rel,)
                )
            }
            parts = tuple(rel.split("/")) if rel else ()
            for name, st in files.items():
                key = _key((*parts, name))
                fresh = _fresh_stamp(st, self.now_ns)
                if fresh is None:
                    mtime = None  # look at this folder again next time
                if stamps.pop(key, None) == _stamp(st) and fresh is not None:
                    continue
                rows.append(_read_row(self.root, (*parts, name), fresh))
            deleted += stamps
            dirs.append((rel, mtime, len(files), json.dumps(subdirs)))
            if len(rows) >= BATCH:  # a rebuild's rows are written as they come
                self._write(rows, deleted, [])
                rows, deleted = [], []
        # the folders last: a writer killed before this reads them again next time
        self._write(rows, deleted, dirs)

    def _write(
        self, rows: list[tuple[Any, ...]], deleted: list[str], dirs: list[tuple[Any, ...]]
    ) -> None:
        with _transaction(self.con):
            _delete(self.con, deleted)
            _upsert(self.con, rows)
            self.con.executemany("INSERT OR REPLACE INTO dirs VALUES (?, ?, ?, ?)", dirs)


def _scope_sql(column: str, scope: str) -> tuple[str, tuple[str | int, ...]]:
    """A WHERE clause for ``column`` (a folder) within ``scope``, and its arguments."""
    if not scope:
        return "1", ()
    return f"({column} = ? OR substr({column}, 1, ?) = ?)", (
        scope,
        len(scope) + 1,
        scope + "/",
    )


# A metric name that SQLite's JSON path can address as ``$."name"`` (it reads the label up to
# the next quote and compares it with the key's text as stored, escapes and all).
def _addressable(name: str) -> bool:
    return not any(c in '"\\' or c < " " for c in name)


@dataclass
class IndexView:
    """Queries of an index brought up to date (:meth:`RecordIndex.view`), within one scope
    (``""``: every task). Each gives rows in path order; a board reads 100 000 of them, so
    the work of filtering and of reading metrics out of JSON is SQLite's, not Python's."""

    con: sqlite3.Connection
    scope: str

    def _where(self, condition: str, skip: Iterable[str] = ()) -> tuple[str, tuple[Any, ...]]:
        where, args = _scope_sql("files.dir", self.scope)
        skipped = json.dumps(sorted(skip))
        if skipped != "[]":
            where += " AND files.key NOT IN (SELECT value FROM json_each(?))"
            args = (*args, skipped)
        return f"{condition} AND {where}", args

    def problems(self) -> list[tuple[str, str, str | None]]:
        """``(key, kind, problem)`` of every file that is not a valid record at its path."""
        where, args = self._where("files.kind != ?")
        query = f"SELECT key, kind, problem FROM files WHERE {where} ORDER BY files.key"
        return self.con.execute(query, (RECORD, *args)).fetchall()

    def records(self, columns: tuple[str, ...] = ()) -> list[tuple]:
        """Every valid record: a row of :data:`HEAD`, then ``columns`` (``body``: its JSON)."""
        where, args = self._where("files.kind = ?")
        query = (
            f"SELECT {_selected((*HEAD, *columns))} {FROM_FILES} WHERE {where} ORDER BY files.key"
        )
        return self.con.execute(query, (RECORD, *args)).fetchall()

    def repeated_run_ids(self) -> set[str]:
        """Run ids that more than one valid record holds (copies of a record)."""
        where, args = self._where("files.kind = ?")
        query = f"SELECT run_id FROM files WHERE {where} GROUP BY run_id HAVING count(*) > 1"
        return {run_id for (run_id,) in self.con.execute(query, (RECORD, *args))}

    def metrics(self, skip: Iterable[str] = ()) -> dict[str, list[Any]]:
        """A column per metric name of the valid records but those whose key is in ``skip``, in
        order of first appearance (the values of a record in name order), NaN where a record
        lacks it."""
        where, args = self._where("files.kind = ?", skip)
        args = (RECORD, *args)
        first: dict[str, str] = {}  # each name's first record
        for listed, key in self.con.execute(
            f"SELECT metric_names, min(key) FROM files WHERE {where} GROUP BY metric_names", args
        ):
            for name in json.loads(listed):
                if name not in first or key < first[name]:
                    first[name] = key
        names = sorted(first, key=lambda name: (first[name], name))
        direct = [name for name in names if _addressable(name)]
        paths = [f'$."{name}"' for name in direct]
        selected = ", ".join(["key", "nonfinite", *["json_extract(metrics, ?)"] * len(paths)])
        if len(direct) < len(names):
            selected += ", metrics"
        rows = self.con.execute(
            f"SELECT {selected} FROM files WHERE {where} ORDER BY files.key", (*paths, *args)
        ).fetchall()
        transposed = list(zip(*rows, strict=True)) or [()] * (2 + len(direct) + 1)
        columns = {
            name: [math.nan if v is None else v for v in transposed[2 + n]]
            for n, name in enumerate(direct)
        }
        for name in names:  # the rare name SQLite cannot address: read from the JSON
            if name not in columns:
                found = (json.loads(text) for text in transposed[-1])
                columns[name] = [math.nan if m.get(name) is None else m[name] for m in found]
        for position, odd in enumerate(transposed[1]):  # values JSON cannot hold: NaN, ±inf
            if odd is not None:
                for name, value in json.loads(odd).items():
                    columns[name][position] = value
        return {name: columns[name] for name in names}


@dataclass
class RunsTable:
    """One board row per record, as columns: ``BOARD_FIELDS``, then ``primary_value``, ``code``
    (the code identity's hash), ``data``, ``runtime``; a ``metric:<name>`` column per metric
    any record reports (NaN where a record lacks it), in order of first appearance; and the
    config of each config hash (that of its first record)."""

    columns: dict[str, list[Any]]
    configs: dict[str, dict[str, Any]]


def _empty_columns() -> dict[str, list[Any]]:
    return {name: [] for name in (*BOARD_FIELDS, "primary_value", "code", "data", "runtime")}


def table_of_records(records: Iterable[RunRecord]) -> RunsTable:
    """The :class:`RunsTable` of records in memory."""
    columns = _empty_columns()
    metrics: dict[str, list[Any]] = {}
    configs: dict[str, dict[str, Any]] = {}
    codes: dict[Any, str] = {}
    for n, r in enumerate(records):
        for name in BOARD_FIELDS:
            columns[name].append(getattr(r, name))
        columns["primary_value"].append(r.metrics.get(r.primary_metric, math.nan))
        # the records of a board share a handful of code identities: hash each once
        identity = tuple((part, tuple(sorted(i.items()))) for part, i in r.code.items())
        if identity not in codes:
            codes[identity] = code_of(r)
        columns["code"].append(codes[identity])
        columns["data"].append(data_of(r) if r.user_data else "")
        columns["runtime"].append(runtime_of(r))
        if r.config_hash not in configs:
            configs[r.config_hash] = r.config
        for key, value in r.metrics.items():
            column = metrics.get(key)
            if column is None:  # first record with this metric: earlier rows lack it
                column = metrics[key] = [math.nan] * n
            column.append(value)
        for column in metrics.values():
            if len(column) == n:  # this record lacks the metric
                column.append(math.nan)
    columns.update({f"metric:{key}": column for key, column in metrics.items()})
    return RunsTable(columns, configs)


def table_of_entries(
    rows: list[tuple], metrics: dict[str, list[Any]], config_of: Callable[[str], dict]
) -> RunsTable:
    """The :class:`RunsTable` of indexed records: rows of :data:`HEAD` and
    :data:`BOARD_COLUMNS`, their ``metrics`` (:meth:`IndexView.metrics`), without reading any
    record's JSON but one per config hash, for its config (``config_of(key)``)."""
    start = len(HEAD)
    transposed = list(zip(*rows, strict=True)) or [()] * (start + len(BOARD_COLUMNS))
    columns = {name: list(transposed[start + n]) for n, name in enumerate(BOARD_COLUMNS)}
    columns["primary_value"] = [math.nan if v is None else v for v in columns["primary_value"]]
    configs: dict[str, dict[str, Any]] = {}
    for key, config_hash in zip(transposed[0], columns["config_hash"], strict=True):
        if config_hash not in configs:
            configs[config_hash] = config_of(key)
    columns.update({f"metric:{name}": column for name, column in metrics.items()})
    return RunsTable(columns, configs)
