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


def test_fit_onto_rates_of_zero_and_one_falls_back_to_the_score_test() -> None:
    # A real rubric_elicitation family over three checkpoints, one sample per cell:
    # Newton converges with fitted rates of 0 and 1, the information matrix is
    # singular, and inverting it raised LinAlgError out of `cotscope run`.
    cells = [
        Cell(cluster, x, k, 1)
        for cluster, x, k in [
            ("candidate-ranking/five-bullets", 0.0, 0),
            ("candidate-ranking/numbered", 0.0, 0),
            ("contradictory-tests/five-bullets", 0.0, 0),
            ("contradictory-tests/numbered", 0.0, 0),
            ("candidate-ranking/numbered", 24.0, 1),
            ("contradictory-tests/designer", 24.0, 0),
            ("contradictory-tests/five-bullets", 24.0, 0),
            ("contradictory-tests/numbered", 24.0, 0),
            ("candidate-ranking/designer", 48.0, 1),
        ]
    ]
    result = logistic_trend(cells)
    assert result.method in ("score", "score-cluster")
    assert result.p_value is not None and 0.0 <= result.p_value <= 1.0
    assert result.direction == "increasing"
