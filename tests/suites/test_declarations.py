"""Suites declare their outcomes once; cotscope's own suites register like anyone's."""

from __future__ import annotations

import importlib
import pkgutil
from importlib.metadata import EntryPoint

import pytest

from cotscope import suites
from cotscope.suites import (
    ENTRY_POINT_GROUP,
    OutcomeDef,
    SuiteLoadError,
    get_suite,
    suite_names,
    unparseable,
)
from cotscope.suites._outcome import check_outcomes
from cotscope.suites._suite import _from_entry_point


def test_every_builtin_suite_package_registers_through_the_entry_point_group() -> None:
    packages = {
        info.name
        for info in pkgutil.iter_modules(suites.__path__)
        if info.ispkg and not info.name.startswith("_")
    }
    assert packages and packages <= set(suite_names())


@pytest.mark.parametrize("name", ["ambiguity_ladder", "covert_actions", "eval_awareness_probe",
                                  "reward_hints", "rubric_elicitation"])  # fmt: skip
def test_declared_outcomes_are_exactly_what_the_scorer_writes(name: str) -> None:
    package = importlib.import_module(f"cotscope.suites.{name}")
    scorer_outcomes = (
        getattr(package, "OUTCOMES", None)
        or importlib.import_module(f"cotscope.suites.{name}._scorer").OUTCOMES
    )
    suite = get_suite(name)
    assert {o.name for o in suite.outcomes} == {*scorer_outcomes, "error"}
    assert sum(o.of_interest for o in suite.outcomes) == 1
    assert {o.name for o in suite.outcomes if o.failure} == {"unparseable", "error"}
    assert all(o.definition.endswith(".") for o in suite.outcomes)


def test_a_declaration_is_checked() -> None:
    yes = OutcomeDef(name="yes", label="yes", definition="Said yes.", of_interest=True)
    with pytest.raises(ValueError, match="twice"):
        check_outcomes("s", [yes, yes])
    with pytest.raises(ValueError, match="several behaviours"):
        check_outcomes("s", [yes, yes.model_copy(update={"name": "also"})])
    with pytest.raises(ValueError, match="failure outcomes are exactly"):
        OutcomeDef(name="refused", label="refused", definition="Refused.", failure=True)
    with pytest.raises(ValueError, match="failure outcomes are exactly"):
        OutcomeDef(name="unparseable", label="u", definition="No answer.")
    with pytest.raises(ValueError, match="blank"):
        OutcomeDef(name="x", label=" ", definition="X.")
    names = [o.name for o in check_outcomes("s", [yes, unparseable("No answer.")])]
    assert names == ["yes", "unparseable", "error"]


def test_a_broken_entry_point_names_itself() -> None:
    missing = EntryPoint("ghost", "no_such_package_xyz:suite", ENTRY_POINT_GROUP)
    with pytest.raises(SuiteLoadError, match="'ghost'.*no_such_package_xyz"):
        _from_entry_point(missing)()
    wrong = EntryPoint("other_name", "cotscope.suites.reward_hints:suite", ENTRY_POINT_GROUP)
    with pytest.raises(SuiteLoadError, match="named 'other_name'.*'reward_hints'"):
        _from_entry_point(wrong)()
