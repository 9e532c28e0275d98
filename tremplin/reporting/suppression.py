"""Small-cell suppression (« secret statistique ») of a two-way table of people, for the open-data aggregate and
every public or shared figure. Pure: plain dicts in, a `SuppressedTable` out.

Rules (written on the pages and in the export as `METHOD`):

1. Primary suppression: every cell, margin or total counting from 1 to `threshold` − 1 people is shown as
   « < 5 ». Zeros are published: « nobody » tells nothing about a person, and hiding them would hide most of a
   sparse table.
2. Secondary suppression: a hidden figure must not be recomputable from the published ones through the row and
   column equations (cells of a row add up to its total, row totals to the grand total, and so on). Extended
   with its margins, the table is a set of lines each adding up to zero; a hidden entry can be recomputed
   exactly when, in the graph whose nodes are the lines and whose edges are the hidden entries, it lies on no
   cycle (a « bridge »: the simplest case is a line with exactly one hidden entry). While such an entry exists,
   the cheapest published entries that close a cycle through it (smallest non-zero counts first, zeros only when
   nothing else will do) are hidden too, shown as « secret ». A last pass publishes again any secondary entry
   that turns out not to be needed.
3. What this protects against: exact recomputation from the equations. It does not hide bounds (two hidden cells
   of a row whose total leaves 6 people to share are each below 6). When the margins are counts of different
   people (a person counted in two columns), the equations do not hold exactly and the protection is stronger
   still.
"""

import heapq
from collections.abc import Hashable, Mapping
from dataclasses import dataclass

THRESHOLD = 5
PRIMARY_LABEL = "< {threshold}"
SECONDARY_LABEL = "secret"
METHOD = (
    "Secret statistique : toute case, tout total comptant de 1 à {low} personnes est masqué (« < {threshold} ») ; "
    "les zéros sont publiés. D'autres cases sont masquées (« secret ») pour qu'aucune case masquée ne puisse être "
    "recalculée à partir des totaux de sa ligne ou de sa colonne et des cases publiées."
)

# An entry of the table extended with its margins: ("cell", row, col), ("row", row), ("col", col), ("total",).
Entry = tuple


def method(threshold: int = THRESHOLD) -> str:
    return METHOD.format(low=threshold - 1, threshold=threshold)


@dataclass(frozen=True)
class SuppressedTable:
    cells: dict  # (row, col) -> count, or None when hidden
    row_totals: dict  # row -> count or None
    col_totals: dict  # col -> count or None
    total: int | None
    primary: frozenset  # entries hidden because small
    secondary: frozenset  # entries hidden so that the small ones cannot be recomputed
    threshold: int = THRESHOLD

    @property
    def hidden(self) -> frozenset:
        return self.primary | self.secondary

    def label(self, entry: Entry) -> str:
        """What the table shows for an entry: the count, « < 5 » or « secret »."""
        if entry in self.primary:
            return PRIMARY_LABEL.format(threshold=self.threshold)
        if entry in self.secondary:
            return SECONDARY_LABEL
        kind = entry[0]
        value = {
            "cell": lambda: self.cells[(entry[1], entry[2])],
            "row": lambda: self.row_totals[entry[1]],
            "col": lambda: self.col_totals[entry[1]],
            "total": lambda: self.total,
        }[kind]()
        return f"{value:,}".replace(",", "\u202f")

    def cell_label(self, row, col) -> str:
        return self.label(("cell", row, col))

    def row_label(self, row) -> str:
        return self.label(("row", row))

    def col_label(self, col) -> str:
        return self.label(("col", col))

    def total_label(self) -> str:
        return self.label(("total",))


class _Grid:
    """The table with its margins as a bipartite graph: row nodes 0..R (R: the line of column totals), column
    nodes 0..C (C: the column of row totals); the entry (i, j) is the edge between row node i and column node j."""

    def __init__(self, rows, cols, cells, row_totals, col_totals, total):
        self.rows, self.cols = rows, cols
        self.R, self.C = len(rows), len(cols)
        self.value: dict[tuple[int, int], int] = {}
        for i, row in enumerate(rows):
            for j, col in enumerate(cols):
                self.value[(i, j)] = int(cells.get((row, col), 0))
            self.value[(i, self.C)] = int(row_totals[row])
        for j, col in enumerate(cols):
            self.value[(self.R, j)] = int(col_totals[col])
        self.value[(self.R, self.C)] = int(total)

    def entry(self, edge) -> Entry:
        i, j = edge
        if i < self.R and j < self.C:
            return ("cell", self.rows[i], self.cols[j])
        if i < self.R:
            return ("row", self.rows[i])
        if j < self.C:
            return ("col", self.cols[j])
        return ("total",)

    def bridges(self, hidden: set) -> list:
        """The hidden entries that lie on no cycle of hidden entries (recomputable from the equations)."""
        adjacency: dict = {}
        for i, j in hidden:
            adjacency.setdefault(("r", i), []).append(("c", j))
            adjacency.setdefault(("c", j), []).append(("r", i))
        found = []
        for i, j in sorted(hidden):
            start, goal = ("r", i), ("c", j)
            seen, stack, reached = {start}, [start], False
            while stack and not reached:
                node = stack.pop()
                for other in adjacency[node]:
                    if node == start and other == goal:
                        continue  # the edge itself (a simple graph: one edge per pair)
                    if other == goal:
                        reached = True
                        break
                    if other not in seen:
                        seen.add(other)
                        stack.append(other)
            if not reached:
                found.append((i, j))
        return found

    def cheapest_cycle(self, edge, hidden: set) -> list:
        """The published entries to hide so that `edge` lies on a cycle: a cheapest path from its row node to its
        column node avoiding the edge itself (hidden entries cost nothing, zeros a lot)."""
        i0, j0 = edge
        big = 10**12

        def cost(e):
            if e in hidden:
                return 0
            value = self.value[e]
            return value + 1 if value > 0 else big

        start, goal = ("r", i0), ("c", j0)
        best = {start: 0}
        back: dict = {}
        queue = [(0, start)]
        while queue:
            distance, node = heapq.heappop(queue)
            if node == goal:
                break
            if distance > best.get(node, big * 10):
                continue
            kind, index = node
            neighbours = (
                [(("c", j), (index, j)) for j in range(self.C + 1)]
                if kind == "r"
                else [(("r", i), (i, index)) for i in range(self.R + 1)]
            )
            for other, e in neighbours:
                if e == edge:
                    continue
                step = distance + cost(e)
                if step < best.get(other, big * 10):
                    best[other] = step
                    back[other] = (node, e)
                    heapq.heappush(queue, (step, other))
        path, node = [], goal
        while node != start:
            node, e = back[node]
            path.append(e)
        return [e for e in path if e not in hidden]


def suppress(
    cells: Mapping[tuple[Hashable, Hashable], int],
    row_totals: Mapping[Hashable, int],
    col_totals: Mapping[Hashable, int],
    total: int,
    threshold: int = THRESHOLD,
) -> SuppressedTable:
    """Rows are the keys of `row_totals`, columns those of `col_totals` (in that order); a cell missing from
    `cells` counts 0."""
    grid = _Grid(list(row_totals), list(col_totals), cells, row_totals, col_totals, total)
    primary = {e for e, v in grid.value.items() if 0 < v < threshold}
    hidden = set(primary)
    while bridges := grid.bridges(hidden):
        hidden.update(grid.cheapest_cycle(bridges[0], hidden))
    # Publish again the secondary entries that are not needed (largest first: they say the most).
    for e in sorted(hidden - primary, key=lambda e: -grid.value[e]):
        if not grid.bridges(hidden - {e}):
            hidden.discard(e)
    secondary = hidden - primary

    def shown(edge):
        return None if edge in hidden else grid.value[edge]

    return SuppressedTable(
        cells={(grid.rows[i], grid.cols[j]): shown((i, j)) for i in range(grid.R) for j in range(grid.C)},
        row_totals={grid.rows[i]: shown((i, grid.C)) for i in range(grid.R)},
        col_totals={grid.cols[j]: shown((grid.R, j)) for j in range(grid.C)},
        total=shown((grid.R, grid.C)),
        primary=frozenset(grid.entry(e) for e in primary),
        secondary=frozenset(grid.entry(e) for e in secondary),
        threshold=threshold,
    )
