-- Before the first write: for each role $1 of `access:`, whether it exists
-- on the target's cluster (and a role whose name differs only in case),
-- and whether the loading role can give it CONNECT on this database and
-- USAGE on each existing schema of $2 (those the run does not create or
-- replace): a role that already holds the privilege (through PUBLIC, say)
-- needs no grant.
SELECT w.name,
       r.oid IS NOT NULL AS exists,
       (SELECT string_agg(o.rolname::text, ', ' ORDER BY o.rolname)
          FROM pg_catalog.pg_roles o
         WHERE r.oid IS NULL AND lower(o.rolname) = lower(w.name)) AS near,
       r.oid IS NULL
         OR pg_catalog.has_database_privilege(pg_catalog.current_database(), 'CONNECT WITH GRANT OPTION')
         OR pg_catalog.has_database_privilege(r.oid, pg_catalog.current_database(), 'CONNECT') AS connect_ok,
       ARRAY(SELECT n.nspname::text
               FROM pg_catalog.pg_namespace n
              WHERE r.oid IS NOT NULL
                AND n.nspname = ANY($2::text[])
                AND NOT pg_catalog.has_schema_privilege(n.oid, 'USAGE WITH GRANT OPTION')
                AND NOT pg_catalog.has_schema_privilege(r.oid, n.oid, 'USAGE')
              ORDER BY 1) AS usage_blocked,
       pg_catalog.current_database()::text AS database,
       current_user::text AS loader
  FROM unnest($1::text[]) WITH ORDINALITY AS w(name, i)
  LEFT JOIN pg_catalog.pg_roles r ON r.rolname = w.name
 ORDER BY w.i
