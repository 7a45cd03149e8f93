"""bench/end_to_end.py: the day of pages it serves (both weights), and one small run of it whole."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

import lxml.html
import pytest

from benchmodules import load_bench
from newslake.extract import extract_article

REPO = Path(__file__).resolve().parents[1]
BASE_URL = "http://127.0.0.1:8000"
DAY = dt.date(2026, 11, 16)


@pytest.fixture(scope="module")
def bench():
    return load_bench("end_to_end")


def test_a_drawn_text_keeps_the_originals_punctuation_word_for_word(bench):
    import random

    like = "«Queremos quedarnos», dijo el alcalde: el puerto, la medina y la costa (Tetuán)."
    drawn = bench._drawn(random.Random(1), ["uno", "dos", "tres"], like)
    assert drawn.split() != like.split()
    # readability scores a paragraph by its commas: a drawn text has the same punctuation in the same places.
    strip = str.maketrans("", "", "abcdefghijklmnopqrstuvwxyzáéíóúñQ")
    assert [t.translate(strip) for t in drawn.lower().split()] == [t.translate(strip) for t in like.lower().split()]
    assert drawn == bench._drawn(random.Random(1), ["uno", "dos", "tres"], like)


def test_every_page_of_the_day_is_different_and_from_every_template(bench):
    articles = bench.bench_articles(DAY, 60)
    assert len({a.path for a in articles}) == len({"\n".join(a.paragraphs) for a in articles}) == 60
    assert len({a.outlet_id for a in articles}) >= 4


def test_a_page_of_real_weight_is_the_size_of_a_real_page_and_extracts_to_the_same_article(bench):
    articles = bench.bench_articles(DAY, 60)
    # One page of each layout (outlet), both weights.
    for article in {a.outlet_id: a for a in articles}.values():
        light = bench.page_html(article, BASE_URL).decode()
        heavy = bench.page_html(article, BASE_URL, "real").decode()
        tree = lxml.html.fromstring(heavy)
        # About the median of the corpus's real pages (181 KB, 864 elements), not a padded toy.
        assert 150_000 < len(heavy.encode()) < 250_000, article.outlet_id
        assert 700 < sum(1 for _ in tree.iter()) < 1100, article.outlet_id
        url = BASE_URL + article.path
        extracted = extract_article(heavy, url, default_timezone=bench.TIMEZONE)
        assert extracted == extract_article(light, url, default_timezone=bench.TIMEZONE), article.outlet_id
        assert extracted.text == "\n\n".join(article.paragraphs), article.outlet_id


def test_a_small_day_of_real_weight_runs_through_airflow_and_reports(tmp_path):
    figures_path = tmp_path / "end_to_end.json"
    completed = subprocess.run(
        [sys.executable, str(REPO / "bench" / "end_to_end.py"), "--pages", "30", "--rss-pages", "--sample", "10",
         "--weight", "real", "--json", str(figures_path)],
        capture_output=True, text=True, timeout=600,
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    figures = json.loads(figures_path.read_text())
    assert (figures["pages"], figures["weight"]) == (30, "real")
    assert 150_000 < figures["mean_page_bytes"] < 250_000
    # Airflow's execution API was started before the clock, and its time is reported apart.
    assert figures["execution_api_start_seconds"] > 0
    assert figures["runs"][0]["tasks"]["discover"]["seconds"] < figures["execution_api_start_seconds"]
    assert figures["site_cpu_seconds"] > 0
    # The bench's sampling thread measured its own CPU, which the ceiling leaves out.
    assert 0 < figures["sampler_cpu_seconds"] < figures["runs"][0]["cpu_seconds"]
    assert "of which the bench's memory sampler" in completed.stdout
    assert 0 < figures["ratio_to_two_cores"] <= figures["cpu_ceiling_of_the_ratio"] * 1.05
    # The second bound: the steps outside the fetch, after a fetch as fast as pure extraction.
    assert 0 < figures["seconds_outside_the_fetch_step"] < figures["wall_seconds"]
    assert figures["ratio_to_two_cores"] <= figures["ratio_bound_with_a_free_fetch"] * 1.05
    assert "bound outside the fetch" in completed.stdout
    assert figures["pages_per_second"] == pytest.approx(30 / figures["wall_seconds"], rel=0.01)
    assert "where the wall time goes" in completed.stdout
    # The yardstick is measured just before and just after the run, and is their mean.
    before, after = figures["pure_extraction_before_and_after_the_run"]
    assert before > 0 and after > 0
    assert figures["pure_extraction_pages_per_second_one_core"] == pytest.approx((before + after) / 2, abs=0.01)
    assert "just before the run" in completed.stdout
    # ... each over all its passes, which no pass beats by being the machine's best moment.
    assert figures["pure_extraction_pages_per_second_one_core_best_passes"] >= figures["pure_extraction_pages_per_second_one_core"]


def test_machine_speed_prints_each_pass_and_the_spread():
    completed = subprocess.run(
        [sys.executable, str(REPO / "bench" / "machine_speed.py"), "--pages", "3", "--passes", "2"],
        capture_output=True, text=True, timeout=300,
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    header, rates, spread = completed.stdout.strip().splitlines()
    assert header.startswith("3 pages, 2 passes")
    assert len(rates.split()) == 2 and all(float(rate) > 0 for rate in rates.split())
    assert spread.startswith("slowest ")
