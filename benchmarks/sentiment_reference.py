"""The sentiment reference every scorer is compared with: a char n-gram logistic regression
trained on the same data set's own training rows.

It is what a team with that set's labels would build in an afternoon (issue 13 quotes its
cross-validated figures as the bar), so the shipped scorer is held to it per set: the
evaluation (benchmarks/tagging_eval.py) scores it on each test part, and training
(benchmarks/train_tagger.py) on each validation part when it chooses how to blend.
"""

from __future__ import annotations

from collections.abc import Sequence

from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline

from benchmarks.tagger_data import Row

C_GRID = [0.3, 1.0, 3.0, 10.0]


def char_lr_reference(train: Sequence[Row], test: Sequence[Row]) -> list[str]:
    """Labels for ``test`` from a char_wb 2-5-gram LR fitted on ``train`` (C by 3-fold CV)."""
    pipe = make_pipeline(
        TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True, min_df=2),
        LogisticRegression(class_weight="balanced", max_iter=3000),
    )
    grid = GridSearchCV(pipe, {"logisticregression__C": C_GRID}, cv=3, scoring="f1_macro", n_jobs=1)
    grid.fit([r.text for r in train], [r.sentiment for r in train])
    return list(grid.predict([r.text for r in test]))
