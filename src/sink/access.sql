-- After the grants of `access:`, what role $1 can do in the copied schemas
-- $2 (extension members aside): a row per thing it still cannot read
-- (`no usage`, `unreadable`: there should be none) and per thing it can do
-- besides reading (`writable`, `create`: granted by someone else, to
-- PUBLIC, or through a membership).
WITH r AS (
  SELECT oid FROM pg_catalog.pg_roles WHERE rolname = $1
), s AS (
  SELECT n.oid, n.nspname::text AS nspname
    FROM pg_catalog.pg_namespace n
   WHERE n.nspname = ANY($2::text[])
), rel AS (
  SELECT c.oid, c.relkind, s.nspname, c.relname::text AS relname
    FROM pg_catalog.pg_class c
    JOIN s ON s.oid = c.relnamespace
   WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f', 'S')
     AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d
                      WHERE d.classid = 'pg_catalog.pg_class'::regclass
                        AND d.objid = c.oid AND d.deptype = 'e')
)
SELECT 'no usage' AS what, s.nspname AS schema, NULL::text AS name
  FROM s, r WHERE NOT pg_catalog.has_schema_privilege(r.oid, s.oid, 'USAGE')
UNION ALL
SELECT 'unreadable', rel.nspname, rel.relname
  FROM rel, r WHERE NOT pg_catalog.has_table_privilege(r.oid, rel.oid, 'SELECT')
UNION ALL
SELECT 'writable', rel.nspname, rel.relname
  FROM rel, r
 WHERE CASE WHEN rel.relkind = 'S'
            THEN pg_catalog.has_sequence_privilege(r.oid, rel.oid, 'USAGE, UPDATE')
            ELSE pg_catalog.has_table_privilege(r.oid, rel.oid, 'INSERT, UPDATE, DELETE, TRUNCATE')
       END
UNION ALL
SELECT 'create', s.nspname, NULL
  FROM s, r WHERE pg_catalog.has_schema_privilege(r.oid, s.oid, 'CREATE')
UNION ALL
SELECT 'create', NULL, NULL
  FROM r WHERE pg_catalog.has_database_privilege(r.oid, pg_catalog.current_database(), 'CREATE')
UNION ALL
SELECT 'no connect', NULL, NULL
  FROM r WHERE NOT pg_catalog.has_database_privilege(r.oid, pg_catalog.current_database(), 'CONNECT')
ORDER BY 1, 2, 3
