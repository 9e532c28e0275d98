"""A PostgreSQL cluster of a test's own, which the test may stop and restart (scripts/with-postgres.sh starts one
the same way: temporary folder, free loopback port; as root, the server runs as the postgres user)."""

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path


def server_binaries() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[4]))
    return Path(found[-1]).parent if found else None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Cluster:
    def __init__(self):
        self.bin = server_binaries()
        if self.bin is None:
            raise RuntimeError("PostgreSQL introuvable (lancer scripts/system-deps.sh)")
        self.folder = Path(tempfile.mkdtemp(prefix="tremplin-reliability-pg-"))
        self.data, self.log = self.folder / "data", self.folder / "postgres.log"
        self.port = free_port()
        self.options = (
            f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off "
            "-c max_connections=100"
        )
        self.run_as = []
        if os.geteuid() == 0:
            shutil.chown(self.folder, "postgres", "postgres")
            self.run_as = ["runuser", "-u", "postgres", "--"]

    @property
    def url(self) -> str:
        return f"postgres://tremplin@127.0.0.1:{self.port}/tremplin"

    def _pg_ctl(self, *args: str) -> None:
        command = [*self.run_as, str(self.bin / "pg_ctl"), "-D", str(self.data), "-l", str(self.log), "-w", *args]
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=60)

    def start(self) -> None:
        initdb = [*self.run_as, str(self.bin / "initdb"), "-D", str(self.data), "-U", "tremplin", "-A", "trust"]
        subprocess.run([*initdb, "-E", "UTF8", "--locale=C.UTF-8", "--no-sync"], check=True, capture_output=True)
        self._pg_ctl("-o", self.options, "start")
        createdb = [str(self.bin / "createdb"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "tremplin", "tremplin"]
        subprocess.run(createdb, check=True, capture_output=True)

    def restart(self) -> None:
        """Fast shutdown (the open transactions are rolled back, the connections cut), then started again."""
        self._pg_ctl("-m", "fast", "restart")

    def stop(self) -> None:
        self._pg_ctl("-m", "fast", "stop")

    def resume(self) -> None:
        self._pg_ctl("-o", self.options, "start")

    def remove(self) -> None:
        subprocess.run(
            [*self.run_as, str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            check=False,
        )
        shutil.rmtree(self.folder, ignore_errors=True)

    def __enter__(self) -> "Cluster":
        try:
            self.start()
        except BaseException:
            self.remove()
            raise
        return self

    def __exit__(self, *exc) -> None:
        self.remove()
