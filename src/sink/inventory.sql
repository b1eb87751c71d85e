-- What a database holds that a copy may create, as (catalog, oid, DROP
-- keyword, SQL name). System schemas and extension members are left out:
-- they are never the copy's own. Schemas and extensions come first, so that
-- dropping them takes their contents along before the rest is looked at.
WITH ext AS (
  SELECT classid, objid FROM pg_catalog.pg_depend WHERE deptype = 'e'
), user_ns AS (
  SELECT oid, nspname FROM pg_catalog.pg_namespace
  WHERE nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')
    AND nspname NOT LIKE 'pg\_temp\_%' AND nspname NOT LIKE 'pg\_toast\_temp\_%'
)
SELECT 'pg_namespace'::text, n.oid, 'SCHEMA', quote_ident(n.nspname)
FROM user_ns n
UNION ALL
SELECT 'pg_extension', e.oid, 'EXTENSION', quote_ident(e.extname)
FROM pg_catalog.pg_extension e WHERE e.extname <> 'plpgsql'
UNION ALL
SELECT 'pg_class', c.oid,
       CASE c.relkind WHEN 'r' THEN 'TABLE' WHEN 'p' THEN 'TABLE' WHEN 'v' THEN 'VIEW'
                      WHEN 'm' THEN 'MATERIALIZED VIEW' WHEN 'S' THEN 'SEQUENCE'
                      WHEN 'f' THEN 'FOREIGN TABLE' WHEN 'c' THEN 'TYPE' END,
       quote_ident(n.nspname) || '.' || quote_ident(c.relname)
FROM pg_catalog.pg_class c JOIN user_ns n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f', 'c')
  AND NOT EXISTS (SELECT 1 FROM ext WHERE ext.classid = 'pg_catalog.pg_class'::regclass AND ext.objid = c.oid)
UNION ALL
SELECT 'pg_type', t.oid, CASE t.typtype WHEN 'd' THEN 'DOMAIN' ELSE 'TYPE' END,
       quote_ident(n.nspname) || '.' || quote_ident(t.typname)
FROM pg_catalog.pg_type t JOIN user_ns n ON n.oid = t.typnamespace
WHERE t.typtype IN ('d', 'e', 'r', 'b')
  AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_type e WHERE e.typarray = t.oid)
  AND NOT EXISTS (SELECT 1 FROM ext WHERE ext.classid = 'pg_catalog.pg_type'::regclass AND ext.objid = t.oid)
UNION ALL
SELECT 'pg_proc', p.oid, CASE p.prokind WHEN 'a' THEN 'AGGREGATE' ELSE 'ROUTINE' END,
       p.oid::regprocedure::text
FROM pg_catalog.pg_proc p JOIN user_ns n ON n.oid = p.pronamespace
WHERE NOT EXISTS (SELECT 1 FROM ext WHERE ext.classid = 'pg_catalog.pg_proc'::regclass AND ext.objid = p.oid)
UNION ALL
SELECT 'pg_collation', c.oid, 'COLLATION', quote_ident(n.nspname) || '.' || quote_ident(c.collname)
FROM pg_catalog.pg_collation c JOIN user_ns n ON n.oid = c.collnamespace
WHERE NOT EXISTS (SELECT 1 FROM ext WHERE ext.classid = 'pg_catalog.pg_collation'::regclass AND ext.objid = c.oid)
UNION ALL
SELECT 'pg_operator', o.oid, 'OPERATOR', o.oid::regoperator::text
FROM pg_catalog.pg_operator o JOIN user_ns n ON n.oid = o.oprnamespace
WHERE NOT EXISTS (SELECT 1 FROM ext WHERE ext.classid = 'pg_catalog.pg_operator'::regclass AND ext.objid = o.oid)
UNION ALL
SELECT 'pg_ts_config', c.oid, 'TEXT SEARCH CONFIGURATION', quote_ident(n.nspname) || '.' || quote_ident(c.cfgname)
FROM pg_catalog.pg_ts_config c JOIN user_ns n ON n.oid = c.cfgnamespace
WHERE NOT EXISTS (SELECT 1 FROM ext WHERE ext.classid = 'pg_catalog.pg_ts_config'::regclass AND ext.objid = c.oid)
UNION ALL
SELECT 'pg_ts_dict', d.oid, 'TEXT SEARCH DICTIONARY', quote_ident(n.nspname) || '.' || quote_ident(d.dictname)
FROM pg_catalog.pg_ts_dict d JOIN user_ns n ON n.oid = d.dictnamespace
WHERE NOT EXISTS (SELECT 1 FROM ext WHERE ext.classid = 'pg_catalog.pg_ts_dict'::regclass AND ext.objid = d.oid)
