-- Amazon Athena (Hive DDL: not valid Trino SQL; for Trino's Hive connector use trino_articles.sql).
-- tests/test_sql_views.py checks the columns against the Parquet schema the pipeline writes.
-- Replace s3://YOUR-BUCKET/newslake with the lake URI. Partition projection on `dt` (a date) and
-- `source` (injected: give it in the WHERE clause) means no crawler and no MSCK REPAIR.
CREATE EXTERNAL TABLE IF NOT EXISTS newslake.articles (
  article_id string, url string, listed_url string, final_url string, title string, text string,
  language string, published_at timestamp, published_precision string, modified_at timestamp,
  authors array<string>, site_name string, description string, image_url string, section string,
  origin_publisher string, origin_url string, listed_at timestamp, discovered_via string,
  fetched_at timestamp, http_status smallint, content_sha256 string, raw_path string,
  raw_offset bigint, raw_length bigint, raw_payload_sha256 string, extractor string,
  canonical_url string, content_html string, tags array<string>, access string
)
PARTITIONED BY (dt date, source string)
STORED AS PARQUET
LOCATION 's3://YOUR-BUCKET/newslake/articles/'
TBLPROPERTIES (
  'projection.enabled' = 'true',
  'projection.dt.type' = 'date',
  'projection.dt.format' = 'yyyy-MM-dd',
  'projection.dt.range' = '2026-01-01,NOW',
  'projection.dt.interval' = '1',
  'projection.dt.interval.unit' = 'DAYS',
  'projection.source.type' = 'injected',
  'storage.location.template' = 's3://YOUR-BUCKET/newslake/articles/dt=${dt}/source=${source}/'
);
