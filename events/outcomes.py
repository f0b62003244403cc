"""Response and remission on the PHQ-9: the counting rules, in one place (DESIGN 12).

- Baseline: the PHQ-9 total recorded at the patient's first session (course number 1),
  before its infusion. A patient without one has no baseline and no response to judge.
- Response: a total at most half the baseline (a fall by half or more).
- Remission: a total below 5.
- "By session 6": judged on the first PHQ-9 recorded at session 6 or later. Patients without
  a baseline or without such a score are not evaluable and are left out of the denominator;
  the last observation is not carried forward.
"""

from collections.abc import Mapping
from dataclasses import dataclass

REMISSION_BELOW = 5
RESPONSE_FALL = 0.5
EVALUATION_SESSION = 6

COUNTING_RULES = (
    "Baseline: the PHQ-9 total at the patient's first session, before the infusion.",
    "Response: a PHQ-9 total at most half the baseline (a fall by half or more).",
    f"Remission: a PHQ-9 total below {REMISSION_BELOW}.",
    f"By session {EVALUATION_SESSION}: judged on the first PHQ-9 recorded at session "
    f"{EVALUATION_SESSION} or later; patients with a baseline and such a score are evaluable "
    "and form the denominator. The last observation is not carried forward.",
)


def is_response(baseline: int | None, score: int | None) -> bool:
    if baseline is None or score is None or baseline == 0:
        return False
    return score <= baseline * RESPONSE_FALL


def is_remission(score: int | None) -> bool:
    return score is not None and score < REMISSION_BELOW


@dataclass(frozen=True)
class CourseOutcome:
    baseline: int | None
    evaluated_at: int | None  # the course number whose score was judged
    score: int | None

    @property
    def evaluable(self) -> bool:
        return self.baseline is not None and self.score is not None

    @property
    def responded(self) -> bool:
        return self.evaluable and is_response(self.baseline, self.score)

    @property
    def remitted(self) -> bool:
        return self.evaluable and is_remission(self.score)


def course_outcome(scores: Mapping[int, int]) -> CourseOutcome:
    """The outcome of one course from its PHQ-9 totals by course number."""
    baseline = scores.get(1)
    later = sorted(n for n in scores if n >= EVALUATION_SESSION)
    if not later:
        return CourseOutcome(baseline, None, None)
    return CourseOutcome(baseline, later[0], scores[later[0]])
