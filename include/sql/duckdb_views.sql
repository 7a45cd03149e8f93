-- DuckDB views over a LOCAL lake (replace {lake} with its absolute path; `newslake.queries`
-- does this for you, and handles S3 lakes without DuckDB's httpfs extension).
create or replace view articles as
select * from read_parquet('{lake}/articles/*/*/*.parquet', hive_partitioning = true, hive_types = {'dt': 'DATE', 'source': 'VARCHAR'});

create or replace view fetch_log as
select * from read_parquet('{lake}/fetch_log/*/*/*.parquet', hive_partitioning = true, hive_types = {'dt': 'DATE', 'source': 'VARCHAR'});

-- One row per source and day: what was listed and what became of it.
create or replace view daily_outcomes as
select source, dt,
       count(*) filter (where outcome <> 'skipped') as listed,
       count(*) filter (where outcome = 'landed') as landed,
       count(*) filter (where outcome = 'failed') as failed,
       count(*) filter (where outcome = 'quarantined') as quarantined
from fetch_log
where kind = 'article'
group by source, dt;
