-- Columns of the given relations, in attribute order, with their type as
-- written (format_type), the base type behind domains, and the flags the
-- copy needs (generated, identity, NOT NULL, length limit), and whether the
-- reading role may SELECT it (granted on the table or on the column), and
-- the base type's binary form: its built-in send function (for arrays
-- `array_send:` and the element's, through a domain), `other` for a send
-- function that is not built in, `oids` when the binary form names
-- user-defined types by oid (arrays and composites of them), which differ
-- between databases, and '' when the type has no binary form.
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
       pg_catalog.has_column_privilege(a.attrelid, a.attnum, 'SELECT') AS can_select,
       CASE WHEN bt.typsend = 0 OR bt.typreceive = 0 THEN ''
            WHEN bs.prosrc = 'array_send' AND et.oid >= 16384 THEN 'oids'
            WHEN bs.prosrc = 'record_send' AND EXISTS (
                   SELECT 1 FROM pg_catalog.pg_attribute ca
                    WHERE ca.attrelid = bt.typrelid AND ca.attnum > 0
                      AND NOT ca.attisdropped AND ca.atttypid >= 16384) THEN 'oids'
            WHEN bs.prolang <> 12 THEN 'other'
            WHEN bs.prosrc = 'array_send' AND es.prolang = 12 THEN 'array_send:' || es.prosrc
            WHEN bs.prosrc = 'array_send' THEN 'array_send:other'
            ELSE bs.prosrc END AS wire
  FROM pg_catalog.pg_attribute a
  JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
  JOIN pg_catalog.pg_type bt ON bt.oid = CASE WHEN t.typtype = 'd' THEN t.typbasetype ELSE t.oid END
  LEFT JOIN pg_catalog.pg_proc bs ON bs.oid = bt.typsend
  LEFT JOIN pg_catalog.pg_type et ON et.oid = bt.typelem AND bs.prosrc = 'array_send'
  LEFT JOIN pg_catalog.pg_type ebt ON ebt.oid = CASE WHEN et.typtype = 'd' THEN et.typbasetype ELSE et.oid END
  LEFT JOIN pg_catalog.pg_proc es ON es.oid = ebt.typsend
 WHERE a.attrelid = ANY($1::oid[])
   AND a.attnum > 0
   AND NOT a.attisdropped
 ORDER BY a.attrelid, a.attnum
