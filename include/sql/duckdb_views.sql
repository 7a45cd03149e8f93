-- DuckDB views over a LOCAL lake (replace {lake} with its absolute path; `newslake.queries`
-- does this for you, and handles S3 lakes without DuckDB's httpfs extension).
-- union_by_name: a partition written before schema v2 lacks the columns v2 appended
-- (canonical_url, content_html, tags, access); it reads them as null instead of DuckDB taking
-- the first file's columns and dropping those of every other file.
create or replace view articles as
select * from read_parquet('{lake}/articles/*/*/*.parquet', hive_partitioning = true, union_by_name = true,
                           hive_types = {'dt': 'DATE', 'source': 'VARCHAR'});

create or replace view fetch_log as
select * from read_parquet('{lake}/fetch_log/*/*/*.parquet', hive_partitioning = true, union_by_name = true,
                           hive_types = {'dt': 'DATE', 'source': 'VARCHAR'});

-- One row per source and day: what was listed and what became of it. `listed` is counted as
-- run_metrics and the report count it (newslake.lake.article_outcome_counts): every article URL
-- of the fetch log but those dated another day (skipped, reason out_of_window); a URL skipped
-- for any other reason (a duplicate, robots.txt...) was listed for the day.
create or replace view daily_outcomes as
select source, dt,
       count(*) filter (where outcome <> 'skipped' or reason is distinct from 'out_of_window') as listed,
       count(*) filter (where outcome = 'landed') as landed,
       count(*) filter (where outcome = 'failed') as failed,
       count(*) filter (where outcome = 'quarantined') as quarantined
from fetch_log
where kind = 'article'
group by source, dt;
