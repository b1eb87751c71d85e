-- The columns of the target's tables in the given schemas (partitioned
-- parents, not their partitions), in attribute order, with the base type's
-- category and name, the position in the primary key, and the bytes of the
-- table with its partitions (to read the largest first).
SELECT n.nspname::text,
       c.relname::text,
       a.attname::text,
       (CASE WHEN t.typtype = 'd' THEN bt.typcategory ELSE t.typcategory END)::text,
       (CASE WHEN t.typtype = 'd' THEN bt.typname ELSE t.typname END)::text,
       array_position(i.indkey::int2[], a.attnum)::int4,
       COALESCE((SELECT sum(pg_catalog.pg_total_relation_size(p.relid))
                 FROM pg_catalog.pg_partition_tree(c.oid) p),
                pg_catalog.pg_total_relation_size(c.oid))::int8
FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
LEFT JOIN pg_catalog.pg_type bt ON bt.oid = t.typbasetype
LEFT JOIN pg_catalog.pg_index i ON i.indrelid = c.oid AND i.indisprimary
WHERE c.relkind IN ('r', 'p')
  AND NOT c.relispartition
  AND n.nspname = ANY($1)
ORDER BY 1, 2, a.attnum
