-- Spark SQL. Replace s3a://YOUR-BUCKET/newslake with the lake URI; then
-- `MSCK REPAIR TABLE newslake.articles` (or ALTER TABLE ... ADD PARTITION) after new days land.
CREATE TABLE IF NOT EXISTS newslake.articles
USING parquet
-- mergeSchema: v1 partitions lack the columns schema v2 appended (they read as null).
OPTIONS (path 's3a://YOUR-BUCKET/newslake/articles/', mergeSchema 'true')
PARTITIONED BY (dt, source);
-- Spark infers dt as a date from `dt=YYYY-MM-DD` (spark.sql.sources.partitionColumnTypeInference.enabled).
