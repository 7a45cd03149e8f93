-- Trino, Hive connector (catalog `hive` here: use yours). Replace s3://YOUR-BUCKET/newslake with
-- the lake URI. Columns, their order and types are those of the Parquet files the pipeline
-- writes (tests/test_sql_views.py checks them against newslake.lake.articles_schema()); the
-- partition keys come last, in the order of the path: articles/dt=D/source=S/part-0.parquet.
-- Partitions written before schema v2 lack its last four columns: Trino reads Parquet columns by
-- name (hive.parquet.use-column-names, the default), so they read as null.
-- Timestamps are UTC instants; a Hive table reads them at the catalog's hive.timestamp-precision
-- (default MILLISECONDS: declare timestamp(6) instead with MICROSECONDS).
CREATE SCHEMA IF NOT EXISTS hive.newslake;

CREATE TABLE IF NOT EXISTS hive.newslake.articles (
  article_id varchar,
  url varchar,
  listed_url varchar,
  final_url varchar,
  title varchar,
  text varchar,
  language varchar,
  published_at timestamp(3),
  published_precision varchar,
  modified_at timestamp(3),
  authors array(varchar),
  site_name varchar,
  description varchar,
  image_url varchar,
  section varchar,
  origin_publisher varchar,
  origin_url varchar,
  listed_at timestamp(3),
  discovered_via varchar,
  fetched_at timestamp(3),
  http_status smallint,
  content_sha256 varchar,
  raw_path varchar,
  raw_offset bigint,
  raw_length bigint,
  raw_payload_sha256 varchar,
  extractor varchar,
  canonical_url varchar,
  content_html varchar,
  tags array(varchar),
  access varchar,
  dt date,
  source varchar
)
WITH (
  external_location = 's3://YOUR-BUCKET/newslake/articles/',
  format = 'PARQUET',
  partitioned_by = ARRAY['dt', 'source']
);

-- The Hive connector has no partition projection: register the partitions that exist (again
-- after new days land; FULL also drops those that no longer exist).
CALL hive.system.sync_partition_metadata(schema_name => 'newslake', table_name => 'articles', mode => 'ADD');
