"""Tests of reservoir._batching: grouping series by length and scattering results back."""

import numpy as np
import pytest

from reservoir._batching import equal_length_blocks, group_by_length, scatter


def test_group_by_length_keeps_first_seen_order():
    assert group_by_length([5, 3, 5, 7, 3]) == {5: [0, 2], 3: [1, 4], 7: [3]}


def test_blocks_stack_members_and_companions():
    rng = np.random.default_rng(0)
    series = [rng.normal(size=(n, 2)) for n in (4, 6, 4, 4)]
    targets = [s.sum(axis=1) for s in series]
    keys = ["a", "b", "c", "d"]
    seen = []
    for members, block, target_block, key_block in equal_length_blocks(series, targets, keys):
        assert block.shape == (len(members), len(series[members[0]]), 2)
        np.testing.assert_array_equal(block, np.stack([series[i] for i in members]))
        np.testing.assert_array_equal(target_block, block.sum(axis=2))
        assert key_block == [keys[i] for i in members]
        seen.extend(members)
    assert sorted(seen) == [0, 1, 2, 3]


def test_max_batch_splits_groups():
    series = [np.zeros((3, 1))] * 5
    batches = [members for members, _ in equal_length_blocks(series, max_batch=2)]
    assert batches == [[0, 1], [2, 3], [4]]


def test_scatter_inverts_the_grouping():
    series = [np.full((n, 1), float(i)) for i, n in enumerate((2, 5, 2, 3))]
    pieces = [(members, block * 10) for members, block in equal_length_blocks(series)]
    for i, out in enumerate(scatter(len(series), pieces)):
        np.testing.assert_array_equal(out, series[i] * 10)


def test_scatter_refuses_missing_positions():
    with pytest.raises(RuntimeError, match=r"positions \[1\]"):
        scatter(2, [([0], np.zeros((1, 3)))])
