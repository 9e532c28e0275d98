"""Small-cell and secondary suppression: nothing under 5 people is shown, and nothing hidden can be recomputed from
the totals."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from tremplin.reporting.suppression import method, suppress


def table(rows):
    """A table given as a list of rows of counts, with margins that are the sums."""
    cells = {(r, c): v for r, row in enumerate(rows) for c, v in enumerate(row)}
    row_totals = {r: sum(row) for r, row in enumerate(rows)}
    col_totals = {c: sum(row[c] for row in rows) for c in range(len(rows[0]))}
    return cells, row_totals, col_totals, sum(row_totals.values())


def entries(cells, row_totals, col_totals, total):
    values = {("cell", r, c): v for (r, c), v in cells.items()}
    values.update({("row", r): v for r, v in row_totals.items()})
    values.update({("col", c): v for c, v in col_totals.items()})
    values[("total",)] = total
    return values


def equations(row_totals, col_totals):
    """Each line of the table with its margin: the entries that add up (+1) to the margin (−1)."""
    lines = []
    for r in row_totals:
        lines.append({**{("cell", r, c): 1 for c in col_totals}, ("row", r): -1})
    for c in col_totals:
        lines.append({**{("cell", r, c): 1 for r in row_totals}, ("col", c): -1})
    lines.append({**{("row", r): 1 for r in row_totals}, ("total",): -1})
    lines.append({**{("col", c): 1 for c in col_totals}, ("total",): -1})
    return lines


def recomputable(result, row_totals, col_totals) -> set:
    """The hidden entries an attacker gets exactly by linear algebra on the row and column equations."""
    hidden = sorted(result.hidden)
    if not hidden:
        return set()
    index = {e: k for k, e in enumerate(hidden)}
    matrix = np.zeros((0, len(hidden)))
    for line in equations(row_totals, col_totals):
        row = np.zeros(len(hidden))
        for e, sign in line.items():
            if e in index:
                row[index[e]] = sign
        matrix = np.vstack([matrix, row])
    rank = np.linalg.matrix_rank(matrix)
    found = set()
    for e, k in index.items():
        unit = np.zeros(len(hidden))
        unit[k] = 1
        if np.linalg.matrix_rank(np.vstack([matrix, unit])) == rank:
            found.add(e)
    return found


def test_small_cells_are_hidden_and_zeros_published():
    cells, rows, cols, total = table([[12, 3, 0], [20, 15, 9], [7, 11, 30]])
    result = suppress(cells, rows, cols, total)
    assert result.cells[(0, 1)] is None and result.cell_label(0, 1) == "< 5"
    assert result.cells[(0, 2)] == 0 and result.cell_label(0, 2) == "0"
    # The row of the small cell would give it away (15 − 12 − 0): a second cell of that row is hidden, and
    # of its column.
    assert result.cells[(0, 0)] is None and result.cell_label(0, 0) == "secret"
    assert recomputable(result, rows, cols) == set()
    assert result.total_label() == "107"


def test_a_table_without_small_cells_is_published_whole():
    cells, rows, cols, total = table([[12, 30], [20, 0]])
    result = suppress(cells, rows, cols, total)
    assert not result.hidden
    assert result.cells == cells


def test_a_small_margin_is_hidden_with_what_would_give_it_away():
    cells, rows, cols, total = table([[2, 1], [40, 50]])
    result = suppress(cells, rows, cols, total)
    assert ("row", 0) in result.primary
    assert result.row_totals[0] is None
    assert recomputable(result, rows, cols) == set()


def test_a_single_cell_table_hides_everything():
    cells, rows, cols, total = table([[3]])
    result = suppress(cells, rows, cols, total)
    assert result.total is None and result.cells[(0, 0)] is None
    assert recomputable(result, rows, cols) == set()


def test_a_hidden_cell_linking_two_blocks_cannot_be_recomputed():
    # Two blocks of small cells and one small cell between them: row and column degrees are all ≥ 2, yet the
    # linking cell would be recomputable without a further cycle through it.
    rows_ = [
        [1, 2, 0, 0, 50],
        [3, 4, 1, 0, 60],
        [0, 0, 2, 3, 70],
        [0, 0, 4, 1, 80],
        [40, 30, 20, 60, 90],
    ]
    cells, rows, cols, total = table(rows_)
    result = suppress(cells, rows, cols, total)
    assert recomputable(result, rows, cols) == set()


def test_the_method_is_said_in_french():
    assert "< 5" in method() and "de 1 à 4 personnes" in method()


counts = st.one_of(st.just(0), st.integers(1, 4), st.integers(5, 80))


@st.composite
def tables(draw):
    n_rows = draw(st.integers(1, 5))
    n_cols = draw(st.integers(1, 5))
    return [[draw(counts) for _ in range(n_cols)] for _ in range(n_rows)]


@settings(max_examples=150, deadline=None)
@given(tables())
def test_random_tables_are_protected(rows_):
    cells, rows, cols, total = table(rows_)
    result = suppress(cells, rows, cols, total)
    values = entries(cells, rows, cols, total)
    # Every figure under the threshold is hidden, and shown as « < 5 »; zeros are published.
    for e, v in values.items():
        assert (e in result.primary) == (0 < v < 5)
    # No line with a published margin holds exactly one hidden cell.
    for r in rows:
        if result.row_totals[r] is not None:
            assert sum(result.cells[(r, c)] is None for c in cols) != 1
    for c in cols:
        if result.col_totals[c] is not None:
            assert sum(result.cells[(r, c)] is None for r in rows) != 1
    # Nothing hidden can be recomputed from the equations.
    assert recomputable(result, rows, cols) == set()
    # Nothing is hidden without reason: no secondary suppression without a small figure, never a zero unless
    # forced, and publishing any secondary entry alone would give a hidden one away.
    if not result.primary:
        assert not result.hidden
    for e in result.secondary:
        again = type(result)(
            result.cells, result.row_totals, result.col_totals, result.total, result.primary, result.secondary - {e}
        )
        assert recomputable(again, rows, cols), f"{e} hidden for no reason"
    # What is published is the true count.
    for (r, c), v in result.cells.items():
        assert v is None or v == cells[(r, c)]
