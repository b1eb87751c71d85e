-- Primary key, unique, check and foreign key constraints of the tables in
-- the given schemas (not those a partition inherits), with their
-- definition, whether they are validated, whether their index is valid,
-- and for foreign keys the columns on both sides.
SELECT n.nspname::text,
       c.relname::text,
       con.conname::text,
       con.contype::text,
       pg_catalog.pg_get_constraintdef(con.oid),
       con.convalidated,
       coalesce((SELECT i.indisvalid FROM pg_catalog.pg_index i WHERE i.indexrelid = con.conindid), true),
       (SELECT array_agg(a.attname::text ORDER BY k.i)
          FROM unnest(con.conkey) WITH ORDINALITY k(n, i)
          JOIN pg_catalog.pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.n),
       rn.nspname::text,
       rc.relname::text,
       (SELECT array_agg(a.attname::text ORDER BY k.i)
          FROM unnest(con.confkey) WITH ORDINALITY k(n, i)
          JOIN pg_catalog.pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.n)
FROM pg_catalog.pg_constraint con
JOIN pg_catalog.pg_class c ON c.oid = con.conrelid
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_catalog.pg_class rc ON rc.oid = con.confrelid
LEFT JOIN pg_catalog.pg_namespace rn ON rn.oid = rc.relnamespace
WHERE con.contype IN ('p', 'u', 'c', 'f')
  AND con.conparentid = 0
  AND con.conislocal
  AND n.nspname = ANY($1)
ORDER BY 1, 2, 3
