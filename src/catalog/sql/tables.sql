-- Tables and partitions in user schemas (not extension members), with what
-- the plan needs: kind, parent partition, RLS flags, size estimates, and
-- whether the reading role may read it (table-level SELECT, which COPY and
-- pg_dump's locks need, and USAGE on its schema).
SELECT c.oid,
       n.nspname::text AS schema,
       c.relname::text AS name,
       c.relkind::text AS kind,
       c.relispartition AS is_partition,
       (SELECT i.inhparent FROM pg_catalog.pg_inherits i
         WHERE i.inhrelid = c.oid AND c.relispartition LIMIT 1) AS parent,
       c.relrowsecurity AS rls,
       c.relforcerowsecurity AS force_rls,
       pg_catalog.pg_get_userbyid(c.relowner)::text AS owner,
       greatest(c.reltuples, 0)::float8 AS estimate_rows,
       CASE WHEN c.relkind = 'r' THEN pg_catalog.pg_table_size(c.oid) ELSE 0 END::int8 AS bytes,
       CASE WHEN c.relkind = 'r'
            THEN pg_catalog.pg_relation_size(c.oid) / pg_catalog.current_setting('block_size')::int8
            ELSE 0 END::int8 AS pages,
       pg_catalog.has_table_privilege(c.oid, 'SELECT') AS can_select,
       pg_catalog.has_schema_privilege(n.oid, 'USAGE') AS schema_usage
  FROM pg_catalog.pg_class c
  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
 WHERE c.relkind IN ('r', 'p')
   AND n.nspname NOT IN ('pg_catalog', 'information_schema')
   AND n.nspname !~ '^pg_toast'
   AND n.nspname !~ '^pg_temp_'
   AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d
                    WHERE d.classid = 'pg_catalog.pg_class'::regclass
                      AND d.objid = c.oid AND d.deptype = 'e')
 ORDER BY n.nspname, c.relname
