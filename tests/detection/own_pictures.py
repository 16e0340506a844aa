"""A detection dataset as a class would make one: photos (here drawn: bright squares and
discs on noisy backgrounds of varied, non-square sizes) and a YOLO label file per photo,
zipped in the layouts labelling tools write."""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass, field

import numpy as np
from PIL import Image

NAMES = ("square", "disc")
COLOURS = ((240, 60, 60), (60, 220, 240))  # one per class, brighter than the background
BACKGROUND = 60  # the noise is below this in every channel


@dataclass
class Photo:
    name: str
    pixels: np.ndarray  # H x W x 3
    objects: list[tuple[int, tuple[int, int, int, int]]] = field(default_factory=list)
    # (class, (x0, y0, x1, y1) in pixels, x1 and y1 exclusive)

    def label_text(self) -> str:
        height, width = self.pixels.shape[:2]
        return "".join(f"{c} {(x0 + x1) / 2 / width:.6f} {(y0 + y1) / 2 / height:.6f} "
                       f"{(x1 - x0) / width:.6f} {(y1 - y0) / height:.6f}\n"
                       for c, (x0, y0, x1, y1) in self.objects)

    def png(self) -> bytes:
        out = io.BytesIO()
        Image.fromarray(self.pixels).save(out, format="PNG")
        return out.getvalue()


def photo(seed: int, objects: int | None = None) -> Photo:
    rng = np.random.default_rng(seed)
    width, height = int(rng.integers(120, 200)), int(rng.integers(90, 150))
    pixels = rng.integers(0, BACKGROUND, (height, width, 3), dtype=np.uint8)
    made = Photo(f"photo{seed:04d}.png", pixels)
    for _ in range(int(rng.integers(1, 3)) if objects is None else objects):
        label = int(rng.integers(0, 2))
        side = int(rng.integers(height // 4, height // 2))
        x0, y0 = int(rng.integers(0, width - side)), int(rng.integers(0, height - side))
        if any(x0 < b[2] and b[0] < x0 + side and y0 < b[3] and b[1] < y0 + side
               for _, b in made.objects):
            continue  # no overlaps: each object's colour is found alone
        if label == 0:
            pixels[y0:y0 + side, x0:x0 + side] = COLOURS[0]
        else:
            ys, xs = np.ogrid[:side, :side]
            disc = (ys - side / 2 + 0.5) ** 2 + (xs - side / 2 + 0.5) ** 2 <= (side / 2) ** 2
            pixels[y0:y0 + side, x0:x0 + side][disc] = COLOURS[1]
        made.objects.append((label, (x0, y0, x0 + side, y0 + side)))
    return made


def dataset_zip(photos: list[Photo], layout: str = "beside", names: str | None = "classes.txt",
                extra: dict[str, bytes] | None = None) -> bytes:
    """layout "beside": a.png + a.txt; "ultralytics": images/{train,val}/a.png and
    labels/{train,val}/a.txt (every fifth photo in val)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for n, item in enumerate(photos):
            stem = item.name.removesuffix(".png")
            if layout == "beside":
                image, label = f"shapes/{item.name}", f"shapes/{stem}.txt"
            else:
                split = "val" if n % 5 == 4 else "train"
                image, label = f"images/{split}/{item.name}", f"labels/{split}/{stem}.txt"
            archive.writestr(image, item.png())
            archive.writestr(label, item.label_text())
        if names == "classes.txt":
            archive.writestr("classes.txt", "\n".join(NAMES) + "\n")
        elif names == "data.yaml":
            archive.writestr("data.yaml", "path: .\ntrain: images/train\nval: images/val\n"
                                          "names:\n  0: square\n  1: disc\n")
        for name, data in (extra or {}).items():
            archive.writestr(name, data)
    return out.getvalue()
