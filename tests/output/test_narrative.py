"""trustsim.output.narrative: the words a report says about a scenario and its outcomes."""

from __future__ import annotations

from tests.test_stats import replicate_timeseries
from trustsim.output.labels import REPORT_KPIS
from trustsim.output.narrative import distribution_notes
from trustsim.stats import COLLAPSE_FRACTION, summarize


def test_notes_say_how_many_collapsed_and_name_split_kpis() -> None:
    paths = [[100, 0]] * 8 + [[100, 95]] * 2
    frame = replicate_timeseries(paths)
    notes = distribution_notes(summarize(frame), REPORT_KPIS)
    text = " ".join(notes)
    assert "8 of 10 replicate(s) collapsed" in text
    assert "collapse probability 80%" in text
    assert "Active customers, final" in text and "splits into two groups" in text
    assert "Collapse probability" not in text  # a 0/1 outcome is not called bimodal
    calm = distribution_notes(
        summarize(replicate_timeseries([[100, 90 + i] for i in range(10)])), {}
    )
    assert calm == [
        f"No replicate collapsed (none ended with fewer than {COLLAPSE_FRACTION:.0%} of its "
        "starting customers; 10 replicate(s))."
    ]
