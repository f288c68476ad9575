"""Which role a span takes when it is labelled and linked with one key (see AnnotateScreen).

A label key pressed while an event waits for an argument makes the span and links it; when the
label fits several roles (an ORG can be the Attacker or the Target of an attack) the first role
in the schema's order that the event does not have yet is taken, since schemas list roles in the
order annotators meet them (Attacker, Target, Instrument, Place, Time). The status line names
the role and `L` changes it.
"""

from __future__ import annotations

from collections.abc import Sequence

from copydesk.schema.model import Label

__all__ = ["best_role"]


def best_role(head: Label, roles: Sequence[str], filled: Sequence[str]) -> str:
    """The first of ``roles`` the head has not filled; else the first that may repeat; else
    the first (the store then refuses it with its own message)."""
    if not roles:
        raise ValueError("no role to choose from")
    for role in roles:
        if role not in filled:
            return role
    for role in roles:
        spec = head.role(role)
        if spec is not None and spec.repeat:
            return role
    return roles[0]
