"""The one question every three-way merge here asks: which side changed this?"""

SAME, OURS, THEIRS, BOTH = "same", "ours", "theirs", "both"


def changed_by(base, ours, theirs) -> str:
    """Which side changed a value: SAME (neither, or both alike), OURS, THEIRS or BOTH.

    >>> changed_by(1, 2, 1), changed_by(1, 1, 3), changed_by(1, 2, 2), changed_by(1, 2, 3)
    ('ours', 'theirs', 'same', 'both')
    """
    if ours == theirs:
        return SAME
    if theirs == base:
        return OURS
    if ours == base:
        return THEIRS
    return BOTH
