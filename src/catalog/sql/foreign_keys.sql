-- Foreign keys declared on the given relations (the partitioned parent's
-- constraint, not its per-partition clones), columns in key order.
SELECT c.conname::text AS name,
       c.conrelid AS rel,
       c.confrelid AS ref_rel,
       ARRAY(SELECT a.attname::text
               FROM unnest(c.conkey) WITH ORDINALITY k(attnum, ord)
               JOIN pg_catalog.pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum
              ORDER BY k.ord) AS columns,
       ARRAY(SELECT a.attname::text
               FROM unnest(c.confkey) WITH ORDINALITY k(attnum, ord)
               JOIN pg_catalog.pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.attnum
              ORDER BY k.ord) AS ref_columns
  FROM pg_catalog.pg_constraint c
 WHERE c.contype = 'f'
   AND c.conparentid = 0
   AND c.conrelid = ANY($1::oid[])
 ORDER BY c.conrelid, c.conname
