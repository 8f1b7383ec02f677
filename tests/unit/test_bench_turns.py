"""The benchmark's ratios: each round against the ceilings measured beside it in time."""

import statistics

from bench.run import Figure, Turns


def rate(requests_per_second: float) -> Figure:
    return Figure(requests_per_second, 1.0, 2.0, int(requests_per_second) * 2, 0)


def test_a_rounds_ratio_is_to_the_bare_ceiling_measured_before_and_after_it():
    # The machine slows down by half between the rounds: each round's ratio stays 0.5.
    turns = Turns(bare=[rate(4000), rate(4000), rate(2000)],
                  ceiling=[rate(2000), rate(1000)], target=[rate(2000), rate(1500)])
    assert turns.bare_ratios() == [0.5, 0.5]
    assert turns.ceiling_ratios() == [1.0, 1.5]


def test_the_reported_ratio_is_the_median_round():
    turns = Turns(bare=[rate(1000)] * 6, ceiling=[rate(1000)] * 5,
                  target=[rate(r) for r in (400, 900, 500, 550, 480)])
    assert statistics.median(turns.bare_ratios()) == 0.5
