"""Who may read and write which annotation sets: the team policy from `copydesk.yaml`.

The store already refuses to change a span through another annotator's name (`_span_in_set`),
but it cannot know who is *acting*: it only sees the set owner it is asked to write. These plain
functions decide, from the project's `annotators`, `reviewers` and `settings`, whether the acting
user may act as that owner, so the CLI and the TUI ask one place and give the same one-line
refusal. They are checked once when a user opens a set (not per keystroke) and again by the
adjudication functions for every gold write.

Rules:
- `annotators` empty: anyone may annotate their own sets; non-empty: only those listed.
- Nobody writes another person's set.
- `gold` is a reserved set owner: only `reviewers` write it (empty `reviewers`: nobody reviews).
- Reviewers read every set; annotators read only their own (blind double annotation).
- `--annotator NAME` other than the OS user only while `settings.allow_annotator_override`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

from copydesk.projects.errors import PermissionDenied
from copydesk.projects.settings import ProjectSettings

GOLD = "gold"
RESERVED_NAMES: frozenset[str] = frozenset({GOLD})


class _ConfigLike(Protocol):
    annotators: list[str]
    reviewers: list[str]
    settings: ProjectSettings


@dataclass(frozen=True)
class Policy:
    """The permission-relevant part of a ProjectConfig (kept small so tests can build one)."""

    annotators: tuple[str, ...] = ()
    reviewers: tuple[str, ...] = ()
    allow_annotator_override: bool = True

    @classmethod
    def from_config(cls, config: _ConfigLike) -> Policy:
        return cls(
            annotators=tuple(config.annotators or ()),
            reviewers=tuple(config.reviewers or ()),
            allow_annotator_override=config.settings.allow_annotator_override,
        )

    def is_reviewer(self, user: str) -> bool:
        return user in self.reviewers

    def may_annotate(self, user: str) -> bool:
        """True if `user` may keep an annotation set of their own."""
        if user in RESERVED_NAMES:
            return False
        return not self.annotators or user in self.annotators


def _as_policy(policy: Policy | _ConfigLike) -> Policy:
    return policy if isinstance(policy, Policy) else Policy.from_config(policy)


def resolve_annotator(policy: Policy | _ConfigLike, requested: str | None, os_user: str) -> str:
    """The name the user works under: `requested` if the lead allows overrides, else the OS user.

    Asking for your own name is never an override, so `--annotator $USER` always works.
    """
    pol = _as_policy(policy)
    name = (requested or "").strip() or os_user
    from copydesk.schema.validate import control_char  # light; only needed here

    bad = control_char(name)
    if bad is not None:
        raise PermissionDenied(f"annotator name {name!r} holds the control character {bad}; "
                               "use plain visible text")
    if name != os_user and not pol.allow_annotator_override:
        raise PermissionDenied(
            f"cannot work as {name!r}: copydesk.yaml sets allow_annotator_override: false, "
            f"so you annotate as {os_user!r}"
        )
    return name


def check_annotate(policy: Policy | _ConfigLike, user: str) -> None:
    """Refuse a user who may not keep an annotation set at all."""
    pol = _as_policy(policy)
    if user in RESERVED_NAMES:
        raise PermissionDenied(f"{user!r} is reserved for the adjudicated set; "
                               "reviewers write it with `copydesk review`")
    if not pol.may_annotate(user):
        if pol.is_reviewer(user):
            raise PermissionDenied(f"{user!r} is a reviewer, not an annotator: reviewers write "
                                   "only the gold set (add them to `annotators` in copydesk.yaml)")
        raise PermissionDenied(f"{user!r} is not in `annotators` in copydesk.yaml; "
                               "ask the lead to add you")


def check_review(policy: Policy | _ConfigLike, user: str) -> None:
    """Refuse a user who may not adjudicate (write the gold set)."""
    pol = _as_policy(policy)
    if not pol.is_reviewer(user):
        who = ", ".join(pol.reviewers) if pol.reviewers else "nobody"
        raise PermissionDenied(f"{user!r} is not a reviewer (reviewers: {who}); "
                               "add the name to `reviewers` in copydesk.yaml")


def check_write(policy: Policy | _ConfigLike, user: str, owner: str) -> None:
    """Refuse `user` writing the set owned by `owner` (a span, link, status or undo)."""
    if owner == GOLD:
        check_review(policy, user)
        return
    if owner != user:
        raise PermissionDenied(f"{user!r} cannot change {owner!r}'s annotations; "
                               "each annotator edits only their own set")
    check_annotate(policy, user)


def can_read(policy: Policy | _ConfigLike, user: str, owner: str) -> bool:
    """Reviewers read every set (gold too); anyone else reads only their own."""
    pol = _as_policy(policy)
    return owner == user or pol.is_reviewer(user)


def readable_owners(policy: Policy | _ConfigLike, user: str, owners: Iterable[str]) -> list[str]:
    """The subset of `owners` whose sets `user` may see, in the given order."""
    pol = _as_policy(policy)
    return [owner for owner in owners if can_read(pol, user, owner)]
