from dataclasses import dataclass


class FileFormatError(Exception):
    """The file as a whole cannot be imported: nothing from it is written."""

    def __init__(self, path, reason: str, line: int | None = None):
        self.path = str(path)
        self.line = line
        self.reason = reason
        where = f"{self.path}:{line}" if line else self.path
        super().__init__(f"{where} : {reason}")


@dataclass(frozen=True)
class Rejection:
    """One row left out of an import, with where and why."""

    path: str
    line: int
    reason: str

    def __str__(self):
        return f"{self.path}:{self.line} : {self.reason}"
