"""Why a dataset refuses a picture or a request for more room: the English message, and the
code and values a page words it from in its own language (web/static/js/errors/data.js)."""

from __future__ import annotations

from server.datasets.user_pictures import Skipped
from server.errors import OverLimit, human_bytes


def too_many_datasets(count: int, limit: int) -> OverLimit:
    return OverLimit(f"your session has {count} datasets; the limit is {limit} "
                     "(CNNPG_SESSION_MAX_DATASETS): delete one with DELETE /api/datasets/{id}",
                     ["name"], code="datasets_over_limit", params={"count": count,
                                                                   "limit": limit})


def no_room_for_scenes(more: int, held: int, limit: int) -> OverLimit:
    return OverLimit(f"the pictures take {human_bytes(more)}; your datasets hold "
                     f"{human_bytes(held)} of {human_bytes(limit)} (CNNPG"
                     "_SESSION_MAX_DATASET_BYTES): delete a dataset, or import "
                     "fewer or smaller pictures", ["file"], code="dataset_storage_over_limit",
                     params={"size": human_bytes(more), "held": human_bytes(held),
                             "limit": human_bytes(limit)})


def duplicate(held: str) -> Skipped:
    return Skipped(f"duplicate: the same file is already in class {held!r}", "skip_duplicate",
                   {"class": held})


def dataset_full(total: int) -> Skipped:
    return Skipped(f"over a limit: the dataset holds {total} images, the most "
                   "(CNNPG_DATASET_MAX_IMAGES)", "skip_dataset_full", {"count": total})


def storage_full(held: int, limit: int) -> Skipped:
    return Skipped(f"over a limit: your datasets hold {human_bytes(held)} of "
                   f"{human_bytes(limit)} (CNNPG_SESSION_MAX_DATASET_BYTES)",
                   "skip_storage_full", {"held": human_bytes(held), "limit": human_bytes(limit)})
