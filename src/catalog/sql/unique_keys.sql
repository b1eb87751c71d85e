-- Primary keys and unique indexes (with their column names in key order).
-- Expression and partial unique indexes are flagged.
SELECT i.indrelid AS rel,
       ic.relname::text AS name,
       i.indisprimary AS is_primary,
       ARRAY(SELECT a.attname::text
               FROM unnest(i.indkey::int2[]) WITH ORDINALITY k(attnum, ord)
               JOIN pg_catalog.pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
              ORDER BY k.ord) AS columns,
       (i.indexprs IS NOT NULL) AS has_expressions,
       (i.indpred IS NOT NULL) AS is_partial
  FROM pg_catalog.pg_index i
  JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid
 WHERE i.indisunique
   AND i.indrelid = ANY($1::oid[])
 ORDER BY i.indrelid, ic.relname
