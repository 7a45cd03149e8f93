"""newslake: fetch news articles, extract them, and land them as a validated Parquet lake.

Plain Python: nothing in this package imports Airflow except ``newslake.orchestration``,
the thin adapter the DAG files use.
"""

__version__ = "0.1.0"
