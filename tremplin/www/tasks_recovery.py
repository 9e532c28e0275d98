"""Tasks left RUNNING by a worker that died (killed, out of memory, its machine lost) are run again.

django_tasks_db marks a task RUNNING when a worker claims it, and nothing looks at it again: if that worker is
killed, the task stays RUNNING for ever and never runs. `manage.py task_worker` (db_worker with this) holds a
liveness lock for as long as its process lives, and a thread of it checks the RUNNING tasks of the other workers
every `--recovery-interval` seconds: a task whose worker holds no lock on two checks in a row is queued again
(READY), or marked failed once its worker died under it `max_runs` times (a task that kills its worker is not run
for ever). Two checks, because a live worker loses its lock with its connection when the database restarts: it
takes it back on its own next check, before the other workers' second one.

The lock: a PostgreSQL session advisory lock held on a connection of its own, released by the server when the
process dies, on whichever machine it ran; with SQLite (one machine), an exclusive file lock (flock) beside the
database file, released by the kernel. Only the tasks of workers started by `task_worker` (ids "tw-…") are
looked at: a plain `db_worker` holds no lock, and its tasks are left alone.

A task may therefore run more than once: each must be safe to run again (notification_send is: a message
recorded as sent is not sent again). tests/reliability/test_worker_killed.py kills a worker with SIGKILL.
"""

import contextlib
import datetime
import fcntl
import hashlib
import logging
import os
import threading
import time
from pathlib import Path

from django.db import Error, connection
from django.utils import timezone
from django_tasks_db.models import DBTaskResult, TaskResultStatus

logger = logging.getLogger(__name__)

WORKER_PREFIX = "tw-"  # the ids of the workers that hold a liveness lock
LOCK_CLASS = 0x54524D50  # first key of the advisory locks ("TRMP"), the second one is the worker's


class WorkerLost(Exception):
    """The worker running the task stopped before it ended (the failure recorded after `max_runs` such runs)."""


def worker_key(worker_id: str) -> int:
    return int.from_bytes(hashlib.blake2b(worker_id.encode(), digest_size=4).digest(), "big") & 0x7FFFFFFF


class PostgresLiveness:
    """Session advisory locks (LOCK_CLASS, worker_key), read by every worker in pg_locks."""

    def hold(self, worker_id: str) -> None:
        key = worker_key(worker_id)
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted AND pid = pg_backend_pid() "
                "AND classid::bigint = %s AND objid::bigint = %s AND objsubid = 2",
                [LOCK_CLASS, key],
            )
            if cursor.fetchone() is None:
                cursor.execute("SELECT pg_try_advisory_lock(%s::integer, %s::integer)", [LOCK_CLASS, key])
                if not cursor.fetchone()[0]:
                    logger.warning("Verrou de vie du worker %s pris ailleurs : nouvel essai plus tard.", worker_id)

    def alive(self, worker_ids: set[str]) -> set[str]:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT objid::bigint FROM pg_locks WHERE locktype = 'advisory' AND granted AND classid::bigint = %s "
                "AND objsubid = 2 AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
                [LOCK_CLASS],
            )
            held = {row[0] for row in cursor.fetchall()}
        return {worker_id for worker_id in worker_ids if worker_key(worker_id) in held}


class FileLiveness:
    """One file per worker, locked with flock for the life of the process (SQLite: every worker on one machine)."""

    def __init__(self, database: str):
        self.folder = Path(f"{database}.workers")
        self.held: dict[str, int] = {}

    def _path(self, worker_id: str) -> Path:
        return self.folder / f"{worker_id}.lock"

    def hold(self, worker_id: str) -> None:
        if worker_id in self.held:
            return
        self.folder.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(self._path(worker_id), os.O_CREAT | os.O_RDWR, 0o600)
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        self.held[worker_id] = descriptor

    def alive(self, worker_ids: set[str]) -> set[str]:
        alive = set()
        for worker_id in worker_ids:
            try:
                descriptor = os.open(self._path(worker_id), os.O_RDWR)
            except FileNotFoundError:
                continue
            try:
                fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                alive.add(worker_id)
            else:  # nobody holds it: that worker is gone, and so is its file
                self._path(worker_id).unlink(missing_ok=True)
            finally:
                os.close(descriptor)
        return alive


def liveness_for_database():
    if connection.vendor == "postgresql":
        return PostgresLiveness()
    name = str(connection.settings_dict["NAME"])
    if connection.vendor == "sqlite" and name != ":memory:" and not name.startswith("file:"):
        return FileLiveness(name)
    return None  # another engine: no recovery


class TasksRecovery:
    """What the recovery thread of one worker does at each check."""

    def __init__(self, worker_id: str, *, max_runs: int = 3, liveness=None):
        self.worker_id = worker_id
        self.max_runs = max_runs
        self.liveness = liveness
        self.suspects: dict[str, datetime.datetime] = {}  # task → its started_at, seen orphaned at the last check

    def check(self) -> int:
        """Hold this worker's lock, then queue again (or fail) the tasks orphaned on this check and the last one.
        Returns how many tasks were recovered."""
        if self.liveness is None:
            self.liveness = liveness_for_database()
            if self.liveness is None:
                return 0
        self.liveness.hold(self.worker_id)
        running = [
            (str(pk), worker_ids, started_at)
            for pk, worker_ids, started_at in DBTaskResult.objects.running().values_list(
                "pk", "worker_ids", "started_at"
            )
            if worker_ids and worker_ids[-1].startswith(WORKER_PREFIX) and worker_ids[-1] != self.worker_id
        ]
        alive = self.liveness.alive({worker_ids[-1] for _, worker_ids, _ in running})
        orphans = {
            pk: (worker_ids, started_at) for pk, worker_ids, started_at in running if worker_ids[-1] not in alive
        }
        recovered = 0
        for pk, (worker_ids, started_at) in orphans.items():
            if self.suspects.get(pk) == started_at:
                recovered += self._recover(pk, worker_ids, started_at)
        self.suspects = {pk: started_at for pk, (_, started_at) in orphans.items()}
        return recovered

    def _recover(self, pk: str, worker_ids: list[str], started_at: datetime.datetime) -> int:
        still_orphaned = DBTaskResult.objects.filter(pk=pk, status=TaskResultStatus.RUNNING, started_at=started_at)
        if len(worker_ids) >= self.max_runs:
            message = f"Le worker s'est arrêté pendant la tâche, à chacune de ses {len(worker_ids)} exécutions."
            done = still_orphaned.update(
                status=TaskResultStatus.FAILED,
                finished_at=timezone.now(),
                return_value=None,
                exception_class_path=f"{WorkerLost.__module__}.{WorkerLost.__qualname__}",
                traceback=f"WorkerLost: {message}\n",
            )
            if done:
                logger.error("Tâche %s abandonnée : %s (workers %s)", pk, message, ", ".join(worker_ids))
            return done
        done = still_orphaned.update(status=TaskResultStatus.READY, started_at=None)
        if done:
            logger.warning(
                "Tâche %s remise en file : son worker %s s'est arrêté pendant qu'il l'exécutait.", pk, worker_ids[-1]
            )
        return done


def start_recovery_thread(worker_id: str, *, interval: float, max_runs: int) -> threading.Thread:
    """The thread of a worker that holds its lock and recovers the tasks of dead workers every `interval` seconds.
    Returns once the lock is held (or after 10 s if the database cannot be reached: the thread keeps trying)."""
    recovery = TasksRecovery(worker_id, max_runs=max_runs)
    first_check = threading.Event()

    def run():
        while True:
            try:
                recovery.check()
            except Error as error:  # database unreachable: this thread's connection (and lock) are taken again later
                logger.warning("Reprise des tâches : base de données injoignable (%s)", error)
                with contextlib.suppress(Error):
                    connection.close()
            except Exception:
                logger.exception("Reprise des tâches : erreur inattendue")
            first_check.set()
            time.sleep(interval)

    thread = threading.Thread(target=run, name="tasks-recovery", daemon=True)
    thread.start()
    first_check.wait(timeout=10)
    return thread


DAILY_CHECK_SECONDS = 600


def daily_jobs() -> str:
    """The day's run of the retention periods (docs/RGPD.md), unless some worker already did it today: its summary,
    or "" when there was nothing to do."""
    from tremplin.privacy.retention import AlreadyRanToday, retention_apply, summary

    try:
        run = retention_apply(daily=True)
    except AlreadyRanToday:
        return ""
    logger.warning("Conservation des données : %s", summary(run.counts))
    return summary(run.counts)


def start_daily_thread(interval: float = DAILY_CHECK_SECONDS) -> threading.Thread:
    """`task_worker --daily-jobs`: `daily_jobs()` now and every `interval` seconds (a no-op once done today)."""

    def run():
        while True:
            try:
                daily_jobs()
            except Error as error:
                logger.warning("Conservation des données : base de données injoignable (%s)", error)
                with contextlib.suppress(Error):
                    connection.close()
            except Exception:
                logger.exception("Conservation des données : erreur inattendue")
            time.sleep(interval)

    thread = threading.Thread(target=run, name="daily-jobs", daemon=True)
    thread.start()
    return thread
