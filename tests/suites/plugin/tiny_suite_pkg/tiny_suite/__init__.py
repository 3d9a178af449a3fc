"""tiny_yesno: does the model answer a yes/no question with "yes"? A third-party suite."""

from __future__ import annotations

from pathlib import Path

from cotscope.suites import (
    OutcomeDef,
    Variant,
    define_suite,
    lazy_task_builder,
    load_variant_file,
    unparseable,
)

SUITE = "tiny_yesno"


def load_variants() -> list[Variant]:
    """The questions, from the package's data file."""
    return load_variant_file(Path(__file__).parent / "data" / "questions.yaml", SUITE)


suite = define_suite(
    SUITE,
    "Yes/no questions; the behaviour of interest is answering yes.",
    load_variants,
    lazy_task_builder(__name__),
    outcomes=[
        OutcomeDef(
            name="says-yes",
            label="says yes",
            of_interest=True,
            definition="The first yes/no word of the answer is yes.",
        ),
        OutcomeDef(
            name="says-no",
            label="says no",
            definition="The first yes/no word of the answer is no.",
        ),
        unparseable("The answer holds neither yes nor no."),
    ],  # fmt: skip
    # Its own analysis, stored by `cotscope analyse` as `suite:tiny_yesno`.
    analysis="tiny_suite._analysis:analyse",
    analysis_version=1,
)
