-- Columns of the given relations, in attribute order, with their type as
-- written (format_type), the base type behind domains, and the flags the
-- copy needs (generated, identity, NOT NULL, length limit), and whether the
-- reading role may SELECT it (granted on the table or on the column).
SELECT a.attrelid AS rel,
       a.attnum::int4 AS num,
       a.attname::text AS name,
       pg_catalog.format_type(a.atttypid, a.atttypmod) AS type_name,
       bt.typname::text AS base_type,
       bt.typcategory::text AS category,
       CASE WHEN t.typtype = 'd' THEN t.typtypmod ELSE a.atttypmod END AS typmod,
       t.typtype::text AS type_kind,
       a.attnotnull AS not_null,
       a.attgenerated::text AS generated,
       a.attidentity::text AS identity,
       a.atthasdef AS has_default,
       pg_catalog.has_column_privilege(a.attrelid, a.attnum, 'SELECT') AS can_select
  FROM pg_catalog.pg_attribute a
  JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
  JOIN pg_catalog.pg_type bt ON bt.oid = CASE WHEN t.typtype = 'd' THEN t.typbasetype ELSE t.oid END
 WHERE a.attrelid = ANY($1::oid[])
   AND a.attnum > 0
   AND NOT a.attisdropped
 ORDER BY a.attrelid, a.attnum
