"""newslake: fetch news articles, extract them, and land them as a validated Parquet lake.

Plain Python: nothing in this package imports Airflow except ``newslake.orchestration``,
the thin adapter the DAG files use.
"""

from pathlib import Path

__version__ = "0.1.0"

# The project folder (dags/, include/, plugins/ ...): where relative settings paths start.
PROJECT_ROOT = Path(__file__).resolve().parents[2]
