"""``emoji``: a real colour dataset, the Noto Color Emoji images, labelled by Unicode group.

The images are Google's Noto Color Emoji (Apache License 2.0; the font file is under the
SIL Open Font License 1.1), read from Debian's ``fonts-noto-color-emoji`` package; the
groups (Smileys & Emotion, Animals & Nature, Food & Drink, ..., Flags: nine classes) come
from Unicode's ``emoji-test.txt`` in Debian's ``unicode-data`` package (Unicode licence).
``make data`` and ``.ci/run`` install both. Each fully-qualified emoji (the "Component"
group of bare skin-tone and hair swatches left out) is drawn once from the font's own
colour bitmaps with Pillow, over white, into a folder of PNGs under the cache; from there
it is an image folder like any other (:class:`zoo_images.dataset.ImageFolder`): decoded
once into the ``uint8`` cache, split per class from ``split_seed``, streamed.

3,655 images at the default settings (1,870 without the skin-tone variants).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from zoo_core import DataError

from . import cache as caching
from .dataset import ImageFolder
from .folder import Listing, list_folder

FONT = "/usr/share/fonts/truetype/noto/NotoColorEmoji.ttf"
GROUPS = "/usr/share/unicode/emoji/emoji-test.txt"
HOW_TO_GET = "apt-get install fonts-noto-color-emoji unicode-data (make data does)"
SKIN_TONES = range(0x1F3FB, 0x1F400)
#: The shipped feature classifier, and the settings that must match its training's.
SHIPPED = Path(__file__).with_name("emoji_classifier.npz")
SAME_SPACE = ("size", "fit", "skin_tones", "test_fraction", "split_seed")
#: The size the font's bitmaps are drawn at (Noto's strikes are 136 x 128 pixels).
STRIKE = 109


@dataclass(frozen=True)
class EmojiSettings:
    size: int = field(default=32, metadata={"help": "images are size x size pixels", "min": 8})
    fit: Literal["pad", "crop", "stretch"] = field(
        default="pad", metadata={"help": "pad keeps the whole emoji (white margins)"}
    )
    skin_tones: bool = field(
        default=True, metadata={"help": "include the skin-tone variants (1,785 more images)"}
    )
    test_fraction: float = field(
        default=0.1, metadata={"help": "share of each group held out as 'test'", "min": 0.0}
    )
    split_seed: int = field(default=0, metadata={"help": "seed of the held-out split", "min": 0})
    font: str = field(default=FONT, metadata={"help": "Noto Color Emoji (.ttf)", "path": True})
    groups: str = field(default=GROUPS, metadata={"help": "Unicode's emoji-test.txt", "path": True})
    cache_dir: str | None = field(
        default=None,
        metadata={"help": "where the drawn and decoded images go (~/.cache/zoo)", "path": True},
    )


def read_groups(path: str, skin_tones: bool) -> list[tuple[str, str, str]]:
    """``(group, codepoints, name)`` of each fully-qualified emoji in ``emoji-test.txt``."""
    found, group = [], None
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except OSError:
        raise DataError(f"the emoji list {path} is missing; {HOW_TO_GET}") from None
    for line in lines:
        if line.startswith("# group:"):
            group = line.split(":", 1)[1].strip()
        if line.startswith("#") or ";" not in line or group in (None, "Component"):
            continue
        points, rest = line.split(";", 1)
        status, _, comment = rest.partition("#")
        if status.strip() != "fully-qualified":
            continue
        codes = [int(c, 16) for c in points.split()]
        if not skin_tones and any(c in SKIN_TONES for c in codes):
            continue
        name = comment.split(maxsplit=2)[-1].strip() if comment.strip() else points
        found.append((group, "-".join(f"{c:04x}" for c in codes), name))
    if not found:
        raise DataError(f"{path} lists no emoji; is it Unicode's emoji-test.txt?")
    return found


def draw_all(font_path: str, emoji: list[tuple[str, str, str]], folder: Path) -> None:
    """Each emoji as ``folder/<group>/<codepoints>.png`` (RGB over white), written into a
    temporary folder first and renamed into place when complete."""
    from PIL import Image, ImageDraw, ImageFont

    try:
        font = ImageFont.truetype(font_path, STRIKE)
    except OSError:
        raise DataError(f"cannot open the emoji font {font_path}; {HOW_TO_GET}") from None
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".drawing.", dir=folder.parent))
    try:
        for group, points, _ in emoji:
            text = "".join(chr(int(c, 16)) for c in points.split("-"))
            im = Image.new("RGBA", (136, 128), (255, 255, 255, 0))
            ImageDraw.Draw(im).text((0, 0), text, font=font, embedded_color=True)
            white = Image.new("RGBA", im.size, (255, 255, 255, 255))
            (tmp / group).mkdir(exist_ok=True)
            Image.alpha_composite(white, im).convert("RGB").save(tmp / group / f"{points}.png")
        os.replace(tmp, folder)
    except OSError:  # another process drew the same folder first
        shutil.rmtree(tmp, ignore_errors=True)
        if not folder.is_dir():
            raise
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


class Emoji(ImageFolder):
    """Noto Color Emoji, nine Unicode groups as classes, drawn once from Debian's font."""

    Settings = EmojiSettings
    folder_setting = None
    name = "emoji"
    licence = "Apache-2.0 (Noto Color Emoji, Debian package fonts-noto-color-emoji)"

    @classmethod
    def listing_of(cls, settings) -> Listing:
        emoji = read_groups(settings.groups, settings.skin_tones)
        if not Path(settings.font).is_file():
            raise DataError(f"the emoji font {settings.font} is missing; {HOW_TO_GET}")
        key = hashlib.sha256(
            f"{settings.font}:{os.path.getsize(settings.font)}:{len(emoji)}:{STRIKE}".encode()
        ).hexdigest()[:16]
        root = Path(settings.cache_dir) if settings.cache_dir else caching.default_root().parent
        folder = root / "emoji" / f"drawn-{key}-{'tones' if settings.skin_tones else 'plain'}"
        if not folder.is_dir():
            draw_all(settings.font, emoji, folder)
        return list_folder(folder)

    @classmethod
    def channels_of(cls, settings, listing: Listing) -> int:
        return 3

    def feature_extractor(self):
        """The shipped classifier (``emoji_classifier.npz``, trained with ``zoo features
        emoji --out ...`` on the default settings' train split, SHA-256 checked), so that
        every machine measures in the same space; other settings train their own."""
        import json

        from zoo_keras.features import FeatureExtractor

        record = json.loads(SHIPPED.with_suffix(".json").read_text())
        trained_on = {k: record["settings"][k] for k in SAME_SPACE}
        if trained_on != {k: getattr(self.settings, k) for k in SAME_SPACE}:
            return super().feature_extractor()
        spec = self.spec(self.settings)
        return FeatureExtractor(SHIPPED, record["sha256"], spec.element_shape, spec.num_classes)

    def describe(self) -> dict:
        s = self.settings
        found = Path(s.font).is_file() and Path(s.groups).is_file()
        return {
            "font": s.font if found else f"not found; {HOW_TO_GET}",
            "licence": "Noto Color Emoji images: Apache-2.0 (font: OFL-1.1)",
            "size": f"{s.size}x{s.size}",
        }
