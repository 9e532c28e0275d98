"""`manage.py task_worker`: django_tasks_db's `db_worker` (same options), plus the recovery of the tasks left
RUNNING by a worker that died (tremplin/www/tasks_recovery.py). The command to run in production, as many times
as wanted, on one machine or several."""

import os

from django.utils.autoreload import DJANGO_AUTORELOAD_ENV
from django_tasks_db.management.commands.db_worker import Command as DbWorkerCommand

from tremplin.www.tasks_recovery import WORKER_PREFIX, start_daily_thread, start_recovery_thread


class Command(DbWorkerCommand):
    help = "Exécute les tâches en file (db_worker), et reprend celles d'un worker arrêté en cours de route."

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument(
            "--recovery-interval",
            type=float,
            default=10,
            help="Secondes entre deux recherches des tâches d'un worker arrêté (reprises à la deuxième) (défaut : 10)",
        )
        parser.add_argument(
            "--max-runs",
            type=int,
            default=3,
            help="Exécutions interrompues par la mort du worker après lesquelles la tâche est marquée en échec "
            "(défaut : 3)",
        )

        parser.add_argument(
            "--daily-jobs",
            action="store_true",
            help="Lancer aussi, une fois par jour, la conservation des données (apply_retention --daily) : une seule "
            "exécution par jour pour tous les workers (la ligne du jour est prise en base)",
        )

    def handle(
        self, *, worker_id: str, recovery_interval: float, max_runs: int, reload: bool, daily_jobs: bool, **options
    ):
        if not worker_id.startswith(WORKER_PREFIX):
            worker_id = (WORKER_PREFIX + worker_id)[:64]
        # With --reload, the worker runs in a child process (started again on each change): the lock is its own.
        if not reload or os.environ.get(DJANGO_AUTORELOAD_ENV) == "true":
            start_recovery_thread(worker_id, interval=max(recovery_interval, 0.1), max_runs=max(max_runs, 1))
            if daily_jobs:
                start_daily_thread()
        super().handle(worker_id=worker_id, reload=reload, **options)
