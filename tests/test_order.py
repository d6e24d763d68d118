"""The cell-order stage alone: three-way merge of token sequences."""

from nbmerge.order import merge_cell_order

B = [("b", i) for i in range(4)]  # base cells 0..3
NEW_O, NEW_T = ("o", 0), ("t", 0)


def test_unchanged_order_is_kept():
    assert merge_cell_order(4, B, B) == B


def test_one_side_inserts_and_deletes():
    ours = [B[0], NEW_O, B[1], B[3]]  # inserted after 0, deleted 2
    assert merge_cell_order(4, ours, B) == ours
    assert merge_cell_order(4, B, ours) == ours


def test_both_insert_at_one_place_keeps_both_ours_first():
    ours = [B[0], NEW_O, B[1], B[2], B[3]]
    theirs = [B[0], NEW_T, B[1], B[2], B[3]]
    assert merge_cell_order(4, ours, theirs) == [B[0], NEW_O, NEW_T, B[1], B[2], B[3]]


def test_move_on_one_side_and_insert_on_the_other():
    ours = [B[0], B[3], B[1], B[2]]  # ours moved 3 up
    theirs = [B[0], B[1], B[2], NEW_T, B[3]]  # theirs inserted before 3
    assert merge_cell_order(4, ours, theirs) == [B[0], B[3], B[1], B[2], NEW_T]


def test_cell_moved_by_both_sides_stands_once():
    ours = [B[3], B[0], B[1], B[2]]
    theirs = [B[0], B[1], B[3], B[2]]
    merged = merge_cell_order(4, ours, theirs)
    assert sorted(merged) == sorted(B) and merged[0] == B[3]


def test_deleted_on_one_side_inserted_next_to_on_the_other():
    """Both changed the stretch: the order keeps every cell; deletion is decided per cell later."""
    ours = [B[0], B[2], B[3]]  # deleted 1
    theirs = [B[0], B[1], NEW_T, B[2], B[3]]  # inserted after 1
    assert merge_cell_order(4, ours, theirs) == [B[0], B[1], NEW_T, B[2], B[3]]
