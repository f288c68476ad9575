"""Permissions PostgreSQL enforces itself: one role per person, row-level security per set.

On SQLite the team policy in `copydesk.yaml` is advisory (projects.permissions): anyone who can
open the file can write any row. On PostgreSQL each person connects as their own role, the acting
annotator is that role (`current_user`), and the server refuses what the policy forbids, whatever
client sends the SQL:

- `copydesk_annotator`: reads and writes only annotation sets whose owner is `current_user`
  (their spans, links and log entries with them); reads documents, schemas and the machine's
  suggestion sets (`suggest:...`, written by `copydesk suggest`).
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

from copydesk.projects.schemalabels import install_check

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
      OR left(owner, 8) = 'suggest:'  -- machine suggestions (projects.suggest) are for all
      OR pg_has_role(current_user, 'copydesk_lead', 'MEMBER')
      OR pg_has_role(current_user, 'copydesk_reviewer', 'MEMBER')
      OR (pg_has_role(current_user, 'copydesk_ml', 'MEMBER')
          AND (status = 'done' OR owner = 'gold'))
$$;
"""


# The columns an edit may change (ids, sets and documents never move).
_SPAN_COLUMNS = ('layer, label, start, "end", text, attributes, schema_id, stale, fragments')
_LINK_COLUMNS = "head_id, tail_id, role, schema_id, stale"
_SET_COLUMNS = "status, comment, updated_at"
# Tables whose `id` is handed out by the database, and the columns that hold such ids.
_ID_TABLES = ("document", "schema_snapshot", "annotation_set", "span", "link", "assignment",
              "action", "suggestion_decision", "document_version")
_ID_COLUMNS = (("annotation_set", "document_id"), ("span", "set_id"), ("span", "document_id"),
               ("span", "schema_id"), ("link", "set_id"), ("link", "head_id"),
               ("link", "tail_id"), ("link", "schema_id"), ("assignment", "document_id"),
               ("action", "set_id"), ("suggestion_decision", "document_id"),
               ("suggestion_decision", "span_id"), ("current_schema", "snapshot_id"),
               ("document_uncertainty", "document_id"), ("document_version", "document_id"),
               ("schema_label", "snapshot_id"))

_HARDEN = """
-- 64-bit identity ids. A SERIAL column's sequence needs USAGE to insert, and USAGE is
-- `nextval` for anyone: at a million calls a second a 32-bit id space lasts half an hour.
-- An identity column needs no right on its sequence, and its counter carries on from the old.
DO $$ DECLARE t text; seq text; last bigint; top bigint; BEGIN
  FOREACH t IN ARRAY string_to_array('{tables}', ',') LOOP
    IF (SELECT attidentity FROM pg_attribute WHERE attrelid = t::regclass
        AND attname = 'id') = '' THEN
      seq := pg_get_serial_sequence(quote_ident(t), 'id');
      last := 0;
      IF seq IS NOT NULL THEN
        EXECUTE format('SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM %s', seq)
          INTO last;
      END IF;
      EXECUTE format('SELECT coalesce(max(id), 0) FROM %I', t) INTO top;
      EXECUTE format('ALTER TABLE %I ALTER COLUMN id DROP DEFAULT', t);
      IF seq IS NOT NULL THEN EXECUTE format('DROP SEQUENCE %s', seq); END IF;
      EXECUTE format('ALTER TABLE %I ALTER COLUMN id TYPE bigint', t);
      EXECUTE format('ALTER TABLE %I ALTER COLUMN id ADD GENERATED BY DEFAULT AS IDENTITY '
                     '(START WITH %s)', t, greatest(last, top) + 1);
    END IF;
  END LOOP;
END $$;
"""

_CHECKS = r"""
CREATE OR REPLACE FUNCTION copydesk_is_json(value text) RETURNS boolean
LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
  PERFORM value::jsonb;
  RETURN true;
EXCEPTION WHEN others THEN
  RETURN false;
END $$;

-- A link's spans belong to the link's set: a composite foreign key (checked by the server,
-- whatever row security hides), so nobody links into another annotator's spans.
DO $$ BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conname = 'span_id_set_key') THEN
    ALTER TABLE span ADD CONSTRAINT span_id_set_key UNIQUE (id, set_id);
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conname = 'link_head_in_set') THEN
    ALTER TABLE link ADD CONSTRAINT link_head_in_set FOREIGN KEY (head_id, set_id)
      REFERENCES span (id, set_id) NOT VALID;
    ALTER TABLE link ADD CONSTRAINT link_tail_in_set FOREIGN KEY (tail_id, set_id)
      REFERENCES span (id, set_id) NOT VALID;
  END IF;
  -- What the store already assumes of every row (NOT VALID: an old bad row is for export to
  -- skip and name, not a reason to refuse the upgrade; every new or changed row is checked).
  -- Each constraint on its own: a layout downgrade may drop one with the column it names.
  IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conname = 'span_offsets') THEN
    -- (a span whose text a correction deleted is kept, empty, needing review: projects.versions)
    ALTER TABLE span ADD CONSTRAINT span_offsets
      CHECK (start >= 0 AND ("end" > start OR ("end" = start AND review_reason = 'removed')))
      NOT VALID;
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conname = 'span_json') THEN
    ALTER TABLE span ADD CONSTRAINT span_json
      CHECK (copydesk_is_json(attributes) AND jsonb_typeof(attributes::jsonb) = 'object'
             AND (fragments IS NULL OR (copydesk_is_json(fragments)
                  AND jsonb_typeof(fragments::jsonb) = 'array'))) NOT VALID;
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conname = 'span_label') THEN
    ALTER TABLE span ADD CONSTRAINT span_label CHECK (label <> '' AND layer <> '') NOT VALID;
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conname = 'link_role') THEN
    ALTER TABLE link ADD CONSTRAINT link_role CHECK (role <> '') NOT VALID;
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conname = 'action_json') THEN
    ALTER TABLE action ADD CONSTRAINT action_json CHECK (copydesk_is_json(payload)) NOT VALID;
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conname = 'schema_snapshot_sha256') THEN
    ALTER TABLE schema_snapshot ADD CONSTRAINT schema_snapshot_sha256
      CHECK (sha256 = encode(sha256(convert_to(text, 'UTF8')), 'hex')) NOT VALID;
  END IF;
END $$;

-- The action log names its author as the database knows them: `author` is set to the role
-- that inserted the row, whatever the client sent, and anyone but a lead writes entries only
-- for their own set's name (a reviewer: also gold's). The database owner (the lead's admin
-- account, which row security does not hold either) writes rows as given: copies keep theirs.
CREATE OR REPLACE FUNCTION copydesk_action_author() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF pg_has_role(current_user, (SELECT tableowner FROM pg_tables WHERE schemaname = 'public'
                                  AND tablename = 'action'), 'MEMBER') THEN
    RETURN NEW;  -- the owner's copies (`db copy`) keep every column as it was
  END IF;
  NEW.author := current_user::text;
  IF NEW.annotator IS DISTINCT FROM current_user::text
     AND NOT (NEW.annotator = 'gold' AND pg_has_role(current_user, 'copydesk_reviewer', 'MEMBER'))
     AND NOT pg_has_role(current_user, 'copydesk_lead', 'MEMBER') THEN
    RAISE EXCEPTION 'an action-log entry must name its author: % is not %',
      NEW.annotator, current_user USING ERRCODE = '42501';
  END IF;
  RETURN NEW;
END $$;
DROP TRIGGER IF EXISTS copydesk_action_author ON action;
CREATE TRIGGER copydesk_action_author BEFORE INSERT ON action
  FOR EACH ROW EXECUTE FUNCTION copydesk_action_author();
"""


# Deleting a row of a set, for roles that hold no DELETE on the table (see install): DELETE
# (or table-wide UPDATE) would also let them `LOCK TABLE ... ACCESS EXCLUSIVE` and stall every
# writer. The function runs as the owner and checks what the row policies check, for the role
# that logged in (session_user: inside the function current_user is the owner).
_DELETE_FUNCTION = r"""
CREATE OR REPLACE FUNCTION copydesk_delete(tbl text, row_id bigint) RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  who text := session_user::text;
  owner_name text;
  n integer;
BEGIN
  IF tbl = 'suggestion_decision' THEN
    SELECT annotator INTO owner_name FROM suggestion_decision WHERE id = row_id;
  ELSIF tbl IN ('span', 'link') THEN
    EXECUTE format('SELECT a.annotator FROM %I t JOIN annotation_set a ON a.id = t.set_id '
                   'WHERE t.id = $1', tbl) INTO owner_name USING row_id;
  ELSE
    RAISE EXCEPTION 'copydesk_delete: not a table of annotation sets: %', tbl
      USING ERRCODE = '42501';
  END IF;
  IF owner_name IS NULL THEN
    RETURN 0;  -- gone already (the caller reads that as "changed in another window")
  END IF;
  IF NOT (pg_has_role(who, (SELECT tableowner FROM pg_tables WHERE schemaname = 'public'
                               AND tablename = tbl), 'MEMBER')
          OR pg_has_role(who, 'copydesk_lead', 'MEMBER')
          OR (owner_name = 'gold' AND pg_has_role(who, 'copydesk_reviewer', 'MEMBER'))
          OR (owner_name = who AND owner_name <> 'gold'
              AND (pg_has_role(who, 'copydesk_annotator', 'MEMBER')
                   OR pg_has_role(who, 'copydesk_reviewer', 'MEMBER')))) THEN
    RAISE EXCEPTION 'permission denied: % may not change %''s annotations', who, owner_name
      USING ERRCODE = '42501';
  END IF;
  EXECUTE format('DELETE FROM %I WHERE id = $1', tbl) USING row_id;
  GET DIAGNOSTICS n = ROW_COUNT;
  RETURN n;
END $$;
REVOKE ALL ON FUNCTION copydesk_delete(text, bigint) FROM PUBLIC;
"""


# The project's schema pointer, for everyone but the lead (issue 24). A transaction that reads
# `current_schema` holds ACCESS SHARE on it until it ends, and a schema apply needs it
# ACCESS EXCLUSIVE to keep writers out: an annotator who read it (or just ran `LOCK TABLE ...
# IN ACCESS SHARE MODE`) and left her transaction open delayed every apply by the lock timeout.
# So annotators, reviewers and ml hold no right on the table, and read the pointer here:
# - the lock on current_schema is taken inside a block that ends in an exception, so it goes
#   with that subtransaction: nobody keeps it past this call, and while an apply runs the call
#   waits (so a writer validates against the schema the apply leaves, never the one before);
# - every caller marks its transaction on `copydesk_schema_gate` (ROW SHARE, which only the
#   owner could block) until it ends: a schema apply waits for the writers that read the
#   pointer before it began, briefly and never in the lock queue (PostgresBackend.lock_project).
GATE_TABLE = "copydesk_schema_gate"
_POINTER_FUNCTION = f"""
CREATE TABLE IF NOT EXISTS {GATE_TABLE} ();
CREATE OR REPLACE FUNCTION copydesk_current_snapshot() RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  found bigint;
BEGIN
  LOCK TABLE {GATE_TABLE} IN ROW SHARE MODE;
  BEGIN
    LOCK TABLE "current_schema" IN ACCESS SHARE MODE;
    SELECT snapshot_id INTO found FROM "current_schema" WHERE id = 1;
    RAISE SQLSTATE 'CD001';  -- roll the block back: its lock goes with it
  EXCEPTION WHEN SQLSTATE 'CD001' THEN
    NULL;
  END;
  RETURN found;
END $$;
REVOKE ALL ON FUNCTION copydesk_current_snapshot() FROM PUBLIC;
"""


def _harden(conn: Connection) -> None:
    """Ids, constraints and the log's author check (idempotent; see the SQL's comments)."""
    conn.execute(text(_HARDEN.replace("{tables}", ",".join(_ID_TABLES))))
    for table, column in _ID_COLUMNS:
        kind = conn.execute(text(
            "SELECT data_type FROM information_schema.columns WHERE table_schema = 'public' "
            "AND table_name = :t AND column_name = :c"), {"t": table, "c": column}).scalar()
        if kind == "integer":
            conn.execute(text(f'ALTER TABLE "{table}" ALTER COLUMN "{column}" TYPE bigint'))
    conn.execute(text(_CHECKS))
    install_check(conn)  # a span's label is in its schema snapshot (projects.schemalabels)
    conn.execute(text(_DELETE_FUNCTION))
    conn.execute(text(_POINTER_FUNCTION))


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
    _harden(conn)
    conn.execute(text(f"GRANT USAGE ON SCHEMA public TO {_ALL}"))
    # Privileges down to what row-level security needs (issue 24). Earlier installs granted
    # more (INSERT on schema_snapshot, UPDATE/DELETE on the action log, sequence USAGE): taken
    # back first, so an upgraded database ends with the same grants as a new one.
    conn.execute(text(f"REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {_ALL}"))
    conn.execute(text(f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM {_ALL}"))
    conn.execute(text(f"GRANT SELECT ON ALL TABLES IN SCHEMA public TO {_ALL}"))
    # The schema pointer through copydesk_current_snapshot only (see _POINTER_FUNCTION); the
    # lead applies schemas and may hold it.
    conn.execute(text('REVOKE ALL ON "current_schema" FROM copydesk_annotator, '
                      "copydesk_reviewer, copydesk_ml"))
    conn.execute(text(f"REVOKE ALL ON {GATE_TABLE} FROM {_ALL}"))
    conn.execute(text(f"GRANT EXECUTE ON FUNCTION copydesk_current_snapshot() TO {_ALL}"))
    # Ids are identity columns: an INSERT needs no right on their sequence, so nobody gets
    # `nextval` to burn through them.
    # Annotators and reviewers insert rows and update the columns an edit changes; they hold
    # no DELETE and no table-wide UPDATE, either of which would let them `LOCK TABLE` in any
    # mode (INSERT allows only ROW EXCLUSIVE, which blocks no writer). Deletes go through
    # copydesk_delete (above).
    conn.execute(text(f"GRANT INSERT, UPDATE ({_SPAN_COLUMNS}) ON span "
                      "TO copydesk_annotator, copydesk_reviewer"))
    conn.execute(text(f"GRANT INSERT, UPDATE ({_LINK_COLUMNS}) ON link "
                      "TO copydesk_annotator, copydesk_reviewer"))
    conn.execute(text(f"GRANT INSERT, UPDATE ({_SET_COLUMNS}) ON annotation_set "
                      "TO copydesk_annotator, copydesk_reviewer"))
    conn.execute(text("GRANT EXECUTE ON FUNCTION copydesk_delete(text, bigint) "
                      f"TO {_WRITERS}"))
    # The action log is append-only for everyone but the owner (undo appends, never rewrites).
    conn.execute(text("GRANT INSERT ON action TO copydesk_annotator, copydesk_reviewer"))
    # The lead imports, assigns and applies schemas. No log entry is ever rewritten; a lead
    # may still delete whole machine-suggestion sets with their log (`copydesk suggest`
    # replaces a source's sets: projects.suggest.write).
    conn.execute(text("GRANT INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public "
                      "TO copydesk_lead"))
    conn.execute(text("REVOKE UPDATE ON action FROM copydesk_lead"))

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
    conn.execute(text("GRANT INSERT ON suggestion_decision "
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
    from copydesk.projects.errors import StoreError

    if not _ROLE_NAME.match(name) or name.lower() in {"gold", "public"}:
        raise StoreError(f"{name!r} cannot be a team role name: use letters, digits, '_', '.' "
                         "or '-' (not 'gold' or 'public')")
    lowered = name.lower()
    if lowered.startswith("pg_") or lowered.startswith("copydesk_") or lowered == "postgres":
        raise StoreError(f"{name!r} is a group or system role, not a person: team roles go to "
                         "one LOGIN role per person")
    return name


def _check_person(conn: Connection, name: str) -> bool:
    """Refuse an existing role that is not one person's login; True when it exists."""
    from copydesk.projects.errors import StoreError

    row = conn.execute(text(
        "SELECT rolsuper, rolbypassrls, rolcanlogin, "
        "  EXISTS (SELECT 1 FROM pg_auth_members am WHERE am.roleid = r.oid) "
        "FROM pg_roles r WHERE rolname = :n"), {"n": name}).first()
    if row is None:
        return False
    superuser, bypass, login, has_members = row
    if superuser or bypass:
        raise StoreError(f"{name!r} is a superuser (or bypasses row-level security): row "
                         "security cannot hold it, so it gets no team role")
    if not login or has_members:
        raise StoreError(f"{name!r} is a group role (it cannot log in, or other roles are "
                         "members of it): granting it a team role would pass it to every "
                         "member; grant each person's own login instead")
    return True


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def grant(conn: Connection, name: str, team_role: str) -> bool:
    """Create the LOGIN role `name` if missing and add it to `team_role`'s group.

    Returns True when the role was created. Needs CREATEROLE (the lead's admin account).
    Refuses group, system and superuser roles: `team grant copydesk_annotator lead` would
    make every annotator a lead, and row security does not hold a superuser.
    """
    from copydesk.projects.errors import StoreError

    check_role_name(name)
    group = TEAM_ROLES.get(team_role)
    if group is None:
        raise StoreError(f"unknown team role {team_role!r}; use one of "
                         f"{', '.join(TEAM_ROLES)}")
    _create_group_roles(conn)
    exists = _check_person(conn, name)
    if not exists:
        conn.execute(text(f"CREATE ROLE {_quoted(name)} LOGIN"))
    conn.execute(text(f"GRANT {group} TO {_quoted(name)}"))
    return not exists


def revoke(conn: Connection, name: str, team_role: str | None) -> list[str]:
    """Take `team_role` (or every team role, for None) from `name`; the team roles removed.

    The login role itself stays: it may own things or work on other databases.
    """
    from copydesk.projects.errors import StoreError

    check_role_name(name)
    held = dict(team(conn)).get(name, [])
    if team_role is not None and team_role not in TEAM_ROLES:
        raise StoreError(f"unknown team role {team_role!r}; use one of "
                         f"{', '.join(TEAM_ROLES)}")
    wanted = held if team_role is None else [r for r in held if r == team_role]
    if not wanted:
        what = "any team role" if team_role is None else f"the {team_role} role"
        raise StoreError(f"{name!r} does not hold {what}")
    for short in wanted:
        conn.execute(text(f"REVOKE {TEAM_ROLES[short]} FROM {_quoted(name)}"))
    return wanted


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
