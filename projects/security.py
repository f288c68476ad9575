"""Permissions PostgreSQL enforces itself: one role per person, row-level security per set.

On SQLite the team policy in `copydesk.yaml` is advisory (projects.permissions): anyone who can
open the file can write any row. On PostgreSQL each person connects as their own role, the acting
annotator is that role (`current_user`), and the server refuses what the policy forbids, whatever
client sends the SQL:

- `copydesk_annotator`: reads and writes only annotation sets whose owner is `current_user`
  (their spans, links and log entries with them); reads documents and schemas.
- `copydesk_reviewer`: reads every set; writes the `gold` set (and their own).
- `copydesk_lead`: reads and writes everything (import, assign, schema apply).
- `copydesk_ml`: reads only sets that are `done`, and the `gold` set; writes nothing.

A person is a LOGIN role that is a member of one or more of these group roles
(`copydesk team grant NAME ROLE`). The group roles are cluster-wide; the policies, functions and
grants are installed per database when the project is created (and again after an upgrade, so
new tables get their grants). The database owner, who ran `copydesk init`, is not subject to
row-level security (PostgreSQL exempts table owners); that is the lead's administrative account.
"""

from __future__ import annotations

import re

from sqlalchemy import text
from sqlalchemy.engine import Connection

TEAM_ROLES: dict[str, str] = {
    "annotator": "copydesk_annotator",
    "reviewer": "copydesk_reviewer",
    "lead": "copydesk_lead",
    "ml": "copydesk_ml",
}
# The tables whose rows belong to one annotation set (by `set_id`).
_SET_TABLES = ("span", "link", "action")
_WRITERS = "copydesk_annotator, copydesk_reviewer, copydesk_lead"
_ALL = "copydesk_annotator, copydesk_reviewer, copydesk_lead, copydesk_ml"
# A role name we create or grant to: a plain identifier, so it can be quoted without surprises.
_ROLE_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]{0,62}$")

_FUNCTIONS = """
CREATE OR REPLACE FUNCTION copydesk_may_write(owner text) RETURNS boolean
LANGUAGE sql STABLE AS $$
  SELECT pg_has_role(current_user, 'copydesk_lead', 'MEMBER')
      OR (owner = 'gold' AND pg_has_role(current_user, 'copydesk_reviewer', 'MEMBER'))
      OR (owner = current_user::text AND owner <> 'gold'
          AND (pg_has_role(current_user, 'copydesk_annotator', 'MEMBER')
               OR pg_has_role(current_user, 'copydesk_reviewer', 'MEMBER')))
$$;
CREATE OR REPLACE FUNCTION copydesk_may_read(owner text, status text) RETURNS boolean
LANGUAGE sql STABLE AS $$
  SELECT owner = current_user::text
      OR pg_has_role(current_user, 'copydesk_lead', 'MEMBER')
      OR pg_has_role(current_user, 'copydesk_reviewer', 'MEMBER')
      OR (pg_has_role(current_user, 'copydesk_ml', 'MEMBER')
          AND (status = 'done' OR owner = 'gold'))
$$;
"""


def _create_group_roles(conn: Connection) -> None:
    for role in TEAM_ROLES.values():
        conn.execute(text(
            "DO $$ BEGIN "
            f"IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{role}') THEN "
            f"CREATE ROLE {role} NOLOGIN; END IF; "
            "EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$"))


def install(conn: Connection) -> None:
    """Group roles, grants, functions and row-level security policies (idempotent)."""
    _create_group_roles(conn)
    conn.execute(text(_FUNCTIONS))
    conn.execute(text(f"GRANT USAGE ON SCHEMA public TO {_ALL}"))
    conn.execute(text(f"GRANT SELECT ON ALL TABLES IN SCHEMA public TO {_ALL}"))
    conn.execute(text(f"GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO {_WRITERS}"))
    conn.execute(text("GRANT INSERT, UPDATE, DELETE ON annotation_set, span, link, action "
                      "TO copydesk_annotator, copydesk_reviewer"))
    conn.execute(text("GRANT INSERT ON schema_snapshot TO copydesk_annotator, copydesk_reviewer"))
    conn.execute(text("GRANT INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public "
                      "TO copydesk_lead"))

    conn.execute(text("ALTER TABLE annotation_set ENABLE ROW LEVEL SECURITY"))
    for name in ("copydesk_read", "copydesk_insert", "copydesk_update", "copydesk_delete"):
        conn.execute(text(f"DROP POLICY IF EXISTS {name} ON annotation_set"))
    conn.execute(text("CREATE POLICY copydesk_read ON annotation_set FOR SELECT "
                      "USING (copydesk_may_read(annotator, status))"))
    conn.execute(text("CREATE POLICY copydesk_insert ON annotation_set FOR INSERT "
                      "WITH CHECK (copydesk_may_write(annotator))"))
    conn.execute(text("CREATE POLICY copydesk_update ON annotation_set FOR UPDATE "
                      "USING (copydesk_may_write(annotator)) "
                      "WITH CHECK (copydesk_may_write(annotator))"))
    conn.execute(text("CREATE POLICY copydesk_delete ON annotation_set FOR DELETE "
                      "USING (copydesk_may_write(annotator))"))

    # A row of a set is visible when its set is (the subquery is itself filtered by the set
    # policies above) and writable when its set's owner may be written by current_user.
    readable = "set_id IN (SELECT id FROM annotation_set)"
    writable = ("set_id IN (SELECT id FROM annotation_set a "
                "WHERE copydesk_may_write(a.annotator))")
    for table in _SET_TABLES:
        conn.execute(text(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY"))
        conn.execute(text(f"DROP POLICY IF EXISTS copydesk_read ON {table}"))
        conn.execute(text(f"DROP POLICY IF EXISTS copydesk_write ON {table}"))
        if table == "action":  # project-wide entries (no set) are the lead's
            read = f"(set_id IS NULL OR {readable})"
            write = (f"({writable} OR (set_id IS NULL AND "
                     "pg_has_role(current_user, 'copydesk_lead', 'MEMBER')))")
        else:
            read, write = readable, writable
        conn.execute(text(f"CREATE POLICY copydesk_read ON {table} FOR SELECT USING ({read})"))
        conn.execute(text(f"CREATE POLICY copydesk_write ON {table} FOR ALL "
                          f"USING ({write}) WITH CHECK ({write})"))

    # An annotator's decisions on machine suggestions are theirs, like their sets.
    conn.execute(text("GRANT INSERT, UPDATE, DELETE ON suggestion_decision "
                      "TO copydesk_annotator, copydesk_reviewer"))
    conn.execute(text("ALTER TABLE suggestion_decision ENABLE ROW LEVEL SECURITY"))
    conn.execute(text("DROP POLICY IF EXISTS copydesk_read ON suggestion_decision"))
    conn.execute(text("DROP POLICY IF EXISTS copydesk_write ON suggestion_decision"))
    conn.execute(text("CREATE POLICY copydesk_read ON suggestion_decision FOR SELECT "
                      "USING (copydesk_may_write(annotator) "
                      "OR pg_has_role(current_user, 'copydesk_reviewer', 'MEMBER') "
                      "OR pg_has_role(current_user, 'copydesk_lead', 'MEMBER'))"))
    conn.execute(text("CREATE POLICY copydesk_write ON suggestion_decision FOR ALL "
                      "USING (copydesk_may_write(annotator)) "
                      "WITH CHECK (copydesk_may_write(annotator))"))


def sees_everything(conn: Connection) -> bool:
    """True when row-level security hides nothing from `current_user` (a superuser, a role
    with BYPASSRLS, or the owner of the tables): only such a role can copy a whole project."""
    row = conn.execute(text(
        "SELECT r.rolsuper OR r.rolbypassrls OR "
        "  (SELECT bool_and(pg_has_role(current_user, t.tableowner, 'MEMBER')) FROM pg_tables t "
        "   WHERE t.schemaname = 'public' AND t.tablename IN ('annotation_set', 'span', "
        "   'link', 'action')) "
        "FROM pg_roles r WHERE r.rolname = current_user")).first()
    return bool(row and row[0])


def check_role_name(name: str) -> str:
    from copydesk.projects.backends import StoreError

    if not _ROLE_NAME.match(name) or name.lower() in {"gold", "public"}:
        raise StoreError(f"{name!r} cannot be a team role name: use letters, digits, '_', '.' "
                         "or '-' (not 'gold' or 'public')")
    return name


def grant(conn: Connection, name: str, team_role: str) -> bool:
    """Create the LOGIN role `name` if missing and add it to `team_role`'s group.

    Returns True when the role was created. Needs CREATEROLE (the lead's admin account).
    """
    from copydesk.projects.backends import StoreError

    check_role_name(name)
    group = TEAM_ROLES.get(team_role)
    if group is None:
        raise StoreError(f"unknown team role {team_role!r}; use one of "
                         f"{', '.join(TEAM_ROLES)}")
    _create_group_roles(conn)
    quoted = '"' + name.replace('"', '""') + '"'
    exists = conn.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :n"), {"n": name}).first()
    if exists is None:
        conn.execute(text(f"CREATE ROLE {quoted} LOGIN"))
    conn.execute(text(f"GRANT {group} TO {quoted}"))
    return exists is None


def team(conn: Connection) -> list[tuple[str, list[str]]]:
    """Every role in a copydesk group, with its team roles."""
    rows = conn.execute(text(
        "SELECT m.rolname, g.rolname FROM pg_auth_members am "
        "JOIN pg_roles g ON g.oid = am.roleid JOIN pg_roles m ON m.oid = am.member "
        "WHERE g.rolname LIKE 'copydesk\\_%' ORDER BY m.rolname, g.rolname")).all()
    by_name = {group: short for short, group in TEAM_ROLES.items()}
    out: dict[str, list[str]] = {}
    for member, group in rows:
        if group in by_name:
            out.setdefault(str(member), []).append(by_name[group])
    return list(out.items())
