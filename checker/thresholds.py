"""The one place where a metric meets its threshold.

DOMAIN.md: "not above" and "not below" are inclusive, and a value exactly on the line
passes; comparisons allow 1e-9 so floating-point noise never flips a boundary case.
Rules that compare row by row in SQL get the same tolerance bound as
$comparison_tolerance, so there is still only one number.
"""

TOLERANCE = 1e-9

COMPARISONS = {
    # metric must not exceed the threshold (NPL gap, fee counts)
    "at_most": lambda metric, threshold: metric <= threshold + TOLERANCE,
    # metric must not fall below the threshold (growth, borrower counts)
    "at_least": lambda metric, threshold: metric >= threshold - TOLERANCE,
    # strictly lower / higher ("较年初明显降低", "高于"): a value on the line does not pass
    "below": lambda metric, threshold: metric < threshold - TOLERANCE,
    "above": lambda metric, threshold: metric > threshold + TOLERANCE,
}


def within(comparison: str, metric: float, threshold: float) -> bool:
    return COMPARISONS[comparison](metric, threshold)
