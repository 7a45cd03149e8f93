"""Dates: zones written in the page, year-less values, Arabic time cues, publication vs update.

Unit tests parse strings or small pages written here. Tests marked ``corpus`` extract pages of
the shared corpus beside the repository (``../shared/corpus``) and skip when it is absent.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from newslake.extraction.dates import parse_text_date

CASABLANCA = ZoneInfo("Africa/Casablanca")


# --- D6: Arabic "على الساعة" -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "written", ["11 يونيو 2024 على الساعة 14:30", "11 يونيو 2024 على الساعه 14:30", "11 يونيو 2024 الساعة 14:30"]
)
def test_arabic_at_the_hour_keeps_the_time(written):
    found = parse_text_date(written, CASABLANCA)
    assert found is not None and found.precision == "datetime"
    assert found.value == datetime(2024, 6, 11, 14, 30, tzinfo=CASABLANCA)
