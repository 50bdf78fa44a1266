from checker.thresholds import TOLERANCE, within


def test_value_exactly_on_an_upper_limit_passes():
    assert within("at_most", 3.0, 3.0)


def test_floating_point_noise_on_the_line_still_passes():
    # 0.1 + 0.2 is 0.30000000000000004 in binary floating point.
    assert 0.1 + 0.2 != 0.3
    assert within("at_most", 0.1 + 0.2, 0.3)


def test_just_over_an_upper_limit_fails():
    assert not within("at_most", 3.0 + 10 * TOLERANCE, 3.0)
    assert not within("at_most", 3.001, 3.0)


def test_lower_limit_is_inclusive_too():
    assert within("at_least", 5.0, 5.0)
    assert within("at_least", 5.0 - TOLERANCE / 2, 5.0)
    assert not within("at_least", 4.999, 5.0)
