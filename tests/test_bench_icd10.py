"""The МКБ-10 evaluation set is well formed and the benchmark scores what it says."""

from benchmarks.bench_icd10 import ABSTAIN, BLIND_SET, Case, evaluate, load_eval
from semd_templates import nsi


def test_eval_set_halves_are_balanced_and_codes_exist() -> None:
    tune, holdout = load_eval("tune"), load_eval("holdout")
    assert len(tune) >= 20
    assert len(holdout) >= 20
    codes = nsi.mkb10()
    for case in tune + holdout:
        assert case.expected <= codes.keys(), case.id


def test_evaluate_counts_abstention_and_confident_errors() -> None:
    cases = [
        Case("a", "Тромбоэмболия легочной артерии.", frozenset({"I26.9"})),
        Case("b", "Тромбоэмболия легочной артерии.", frozenset({"J18.9"})),  # planted wrong
        Case("c", "Повторить исследование натощак.", frozenset()),
    ]
    result = evaluate(cases)
    assert result["top1"] == 2 / 3
    assert result["abstained"] == 1 / 3
    assert result["wrong_confident"] == 1 / 3


def test_blind_set_is_split_and_its_codes_exist() -> None:
    tune, holdout = load_eval("tune", BLIND_SET), load_eval("holdout", BLIND_SET)
    assert len(tune) == len(holdout) == 40
    codes = nsi.mkb10()
    for case in tune + holdout:
        assert case.expected - {ABSTAIN} <= codes.keys(), case.id


def test_abstaining_is_right_where_the_set_allows_it() -> None:
    normal = Case("n", "Повторить исследование натощак.", frozenset({ABSTAIN, "Z01.6"}))
    assert evaluate([normal])["top1"] == 1.0
