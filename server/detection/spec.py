"""The detection requests. Coordinates are checked by boxes.py (to name the box and field);
the schema here bounds sizes and thresholds."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from server.detection.boxes import Format

# Integers stay integers (the IoU text is then exact fractions); NaN and inf reach boxes.py,
# which names the box and field.
Coordinate = int | float
Box = Annotated[list[Coordinate], Field(max_length=64)]
Threshold = Annotated[float, Field(ge=0.0, le=1.0)]
FORMAT_HELP = ("xywh: top-left corner, width, height; cxcywh: centre, width, height; "
               "xyxy: top-left and bottom-right corners")


class IoURequest(BaseModel):
    """Two boxes; their intersection over union, with the arithmetic."""

    model_config = ConfigDict(extra="forbid")

    a: Box = Field(description="The first box: 4 numbers in `format`.", examples=[[0, 0, 2, 2]])
    b: Box = Field(description="The second box.", examples=[[1, 1, 2, 2]])
    format: Format = Field(default="xywh", description=FORMAT_HELP)


class NMSRequest(BaseModel):
    """Boxes with scores (and optionally classes): which ones non-maximum suppression keeps."""

    model_config = ConfigDict(extra="forbid")

    boxes: list[Box] = Field(description="Boxes, 4 numbers each in `format`; at most "
                                         "CNNPG_MAX_DETECTION_BOXES (10,000).")
    scores: list[Annotated[float, Field(ge=0.0, le=1.0)]] = Field(
        description="One confidence in [0, 1] per box.")
    classes: list[Annotated[int, Field(ge=0, le=10**9)]] | None = Field(
        default=None, description="One class index per box: NMS runs per class. "
                                  "Left out: all boxes are one class.")
    iou_threshold: Threshold = Field(
        default=0.5, description="A box is removed when its IoU with a kept box of its "
                                 "class is greater than this.")
    score_threshold: Threshold = Field(
        default=0.0, description="Boxes scoring below this are dropped before NMS.")
    format: Format = Field(default="xywh", description=FORMAT_HELP)
