"""Team policy: who may annotate, who may write gold, who may read whose sets."""

from __future__ import annotations

import pytest

from copydesk.projects.errors import PermissionDenied, StoreError
from copydesk.projects.permissions import (
    GOLD,
    Policy,
    can_read,
    check_annotate,
    check_review,
    check_write,
    readable_owners,
    resolve_annotator,
)
from copydesk.projects.project import ProjectConfig

TEAM = Policy(annotators=("ann", "bob"), reviewers=("rita",))
OPEN = Policy()


def test_refusals_are_store_errors_so_the_cli_prints_one_line() -> None:
    assert issubclass(PermissionDenied, StoreError)


def test_listed_annotator_writes_own_set_only() -> None:
    check_write(TEAM, "ann", "ann")
    with pytest.raises(PermissionDenied, match="'ann' cannot change 'bob'"):
        check_write(TEAM, "ann", "bob")


def test_unlisted_user_cannot_write_at_all() -> None:
    with pytest.raises(PermissionDenied, match="not in `annotators`"):
        check_write(TEAM, "eve", "eve")


def test_empty_annotator_list_lets_anyone_annotate() -> None:
    check_write(OPEN, "eve", "eve")
    check_annotate(OPEN, "anyone")


def test_reviewer_writes_gold_only() -> None:
    check_write(TEAM, "rita", GOLD)
    with pytest.raises(PermissionDenied, match="reviewer, not an annotator"):
        check_write(TEAM, "rita", "rita")
    with pytest.raises(PermissionDenied, match="cannot change 'ann'"):
        check_write(TEAM, "rita", "ann")


def test_reviewer_who_is_also_annotator_may_do_both() -> None:
    both = Policy(annotators=("ann", "rita"), reviewers=("rita",))
    check_write(both, "rita", "rita")
    check_write(both, "rita", GOLD)


def test_annotators_cannot_write_gold_and_nobody_reviews_by_default() -> None:
    with pytest.raises(PermissionDenied, match="not a reviewer"):
        check_write(TEAM, "ann", GOLD)
    with pytest.raises(PermissionDenied, match="reviewers: nobody"):
        check_review(OPEN, "ann")


def test_gold_is_a_reserved_annotator_name() -> None:
    with pytest.raises(PermissionDenied, match="reserved"):
        check_annotate(OPEN, GOLD)
    with pytest.raises(PermissionDenied):
        check_write(OPEN, GOLD, GOLD)  # "gold" is not a reviewer


def test_reading() -> None:
    assert can_read(TEAM, "ann", "ann")
    assert not can_read(TEAM, "ann", "bob")  # blind double annotation
    assert not can_read(TEAM, "ann", GOLD)
    assert can_read(TEAM, "rita", "bob") and can_read(TEAM, "rita", GOLD)
    assert readable_owners(TEAM, "rita", ["ann", "bob", GOLD]) == ["ann", "bob", GOLD]
    assert readable_owners(TEAM, "bob", ["ann", "bob", GOLD]) == ["bob"]


def test_annotator_override_follows_the_lead_setting() -> None:
    assert resolve_annotator(OPEN, None, "ann") == "ann"
    assert resolve_annotator(OPEN, "bob", "ann") == "bob"
    strict = Policy(allow_annotator_override=False)
    assert resolve_annotator(strict, "ann", "ann") == "ann"  # naming yourself is fine
    with pytest.raises(PermissionDenied, match="allow_annotator_override: false"):
        resolve_annotator(strict, "bob", "ann")


def test_policy_from_project_config() -> None:
    config = ProjectConfig(name="p", annotators=["ann"], reviewers=["rita"],
                           settings={"allow_annotator_override": False})
    policy = Policy.from_config(config)
    assert policy == Policy(("ann",), ("rita",), False)
    with pytest.raises(PermissionDenied):
        check_write(config, "bob", "bob")  # a config is accepted directly too
