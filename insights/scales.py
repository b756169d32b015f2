"""The survey scales' cut-offs, in one place: who is a promoter, a detractor, satisfied.

NPS (0-10): promoters 9-10, passives 7-8, detractors 0-6 (Bain's definition).
CSAT (1-5): satisfied 4-5; 1-2 is the low score that alerts staff.
"""

from __future__ import annotations

PROMOTER_MIN = 9
DETRACTOR_MAX = 6
CSAT_SATISFIED_MIN = 4
LOW_CSAT_MAX = 2
