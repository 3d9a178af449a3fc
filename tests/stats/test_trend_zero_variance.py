"""The clustered trend when every cluster's slope score cancels (seen in the probe suite)."""

from cotscope.stats import Cell, logistic_trend


def test_symmetric_rates_give_an_untestable_trend_not_a_crash() -> None:
    # 100% / 0% / 100% over three evenly spaced steps, in every variant: the slope's
    # sandwich variance is zero exactly and came out as -1e-17 (math domain error).
    # Alternate variants have two and one parseable samples per step (the probe's case;
    # the round-off, hence the crash, depends on this order).
    cells = [
        Cell(f"v{v:02d}", float(x), k * (2 - v % 2), 2 - v % 2)
        for x, k in ((0, 1), (10, 0), (20, 1))
        for v in range(52)
    ]
    result = logistic_trend(cells)
    assert result.p_value is None and result.z is None
