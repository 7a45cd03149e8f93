-- Spark SQL. Replace s3a://YOUR-BUCKET/newslake with the lake URI; then
-- `MSCK REPAIR TABLE newslake.articles` (or ALTER TABLE ... ADD PARTITION) after new days land.
CREATE TABLE IF NOT EXISTS newslake.articles
USING parquet
OPTIONS (path 's3a://YOUR-BUCKET/newslake/articles/')
PARTITIONED BY (dt, source);
-- Spark infers dt as a date from `dt=YYYY-MM-DD` (spark.sql.sources.partitionColumnTypeInference.enabled).
