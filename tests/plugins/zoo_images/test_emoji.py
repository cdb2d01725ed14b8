"""``emoji``: the Noto Color Emoji images from Debian's font, nine Unicode groups as classes."""

from __future__ import annotations

import os

import numpy as np
import pytest

from zoo_core import DataError
from zoo_core import settings as S
from zoo_images.emoji import FONT, GROUPS, Emoji, read_groups


def emoji(**values):
    if not (os.path.isfile(FONT) and os.path.isfile(GROUPS)):
        pytest.fail(
            "the emoji font or list is not installed: apt-get install fonts-noto-color-emoji "
            "unicode-data (make test and .ci/run do this)"
        )
    return Emoji(S.resolve(Emoji.Settings, values))


def test_nine_groups_of_real_colour_images():
    data = emoji()
    spec = Emoji.spec(data.settings)
    assert spec.element_shape == (32, 32, 3) and spec.num_classes == 9
    assert "Smileys & Emotion" in spec.class_names and "Component" not in spec.class_names
    assert data.num_examples("all") == len(read_groups(GROUPS, skin_tones=True))
    x, y = data.arrays("test")
    assert set(np.unique(y)) == set(range(9))  # every group held out in part
    colour = np.abs(x[..., 0] - x[..., 2]).mean()
    assert colour > 0.02  # colour pictures, not gray ones
    assert 0.3 < x.mean() < 0.95  # drawn, over white, not blank


def test_without_skin_tones_fewer_images():
    with_tones = len(read_groups(GROUPS, skin_tones=True))
    without = len(read_groups(GROUPS, skin_tones=False))
    assert 1000 < without < with_tones


def test_the_shipped_classifier_reproduces_its_held_out_accuracy():
    data = emoji()
    extractor = data.feature_extractor()
    assert extractor.path.name == "emoji_classifier.npz"
    x, y = data.arrays("test")
    _, probs = extractor(x)
    accuracy = float(np.mean(np.argmax(probs, 1) == y))
    assert accuracy == pytest.approx(extractor.info["test_accuracy"], abs=0.01)


def test_a_missing_font_is_one_line_saying_how_to_get_it(tmp_path):
    with pytest.raises(
        DataError, match=r"font .* is missing; apt-get install fonts-noto-color-emoji"
    ):
        Emoji.spec(S.resolve(Emoji.Settings, {"font": str(tmp_path / "none.ttf")}))
