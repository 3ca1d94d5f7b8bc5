"""LIVE_CHAT_HOURS: when advisors are usually online (serving/opening_hours.py)."""
from datetime import datetime

import pytest

from serving.opening_hours import NEW_ZEALAND, OpeningHours
from serving.settings import Settings


def nz(day, hour, minute=0):
    return datetime(2026, 12, day, hour, minute, tzinfo=NEW_ZEALAND)  # 7 Dec is a Monday


def test_weekday_hours_in_new_zealand_time():
    hours = OpeningHours("Mon-Fri 08:30-17:00")
    assert hours.open_at(nz(7, 8, 30)) and hours.open_at(nz(11, 16, 59))
    assert not hours.open_at(nz(7, 8, 29)) and not hours.open_at(nz(7, 17, 0))
    assert not hours.open_at(nz(12, 10))  # Saturday
    assert hours.describe() == "Monday to Friday, 8:30am to 5pm"


def test_several_spans_a_week_that_wraps_and_midnight():
    hours = OpeningHours("Sat-Sun 10:00-14:00; Wed 18:00-24:00")
    assert hours.open_at(nz(12, 10)) and hours.open_at(nz(13, 13, 59))
    assert hours.open_at(nz(9, 23, 59)) and not hours.open_at(nz(9, 17))
    assert hours.describe() == "Saturday to Sunday, 10am to 2pm; Wednesday, 6pm to midnight"
    assert OpeningHours("Fri-Mon 09:00-10:00").open_at(nz(13, 9, 30))  # Sunday


def test_always():
    assert OpeningHours("always").open_at(nz(13, 3))
    assert OpeningHours("always").describe() == "any time an advisor is available"


@pytest.mark.parametrize("text, says", [
    ("", "no hours given"),
    ("weekdays 9-5", "is not days and hours"),
    ("Mon-Fry 09:00-17:00", "is not a day"),
    ("Mon 17:00-09:00", "must end after they start"),
    ("Mon 09:00-25:00", "is not a time of day"),
])
def test_wrong_hours_are_refused_saying_how_to_write_them(text, says):
    with pytest.raises(ValueError, match=says):
        OpeningHours(text)
    with pytest.raises(ValueError, match="live_chat_hours"):
        Settings(live_chat_hours=text)
