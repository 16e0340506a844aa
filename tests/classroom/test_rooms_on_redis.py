"""The room API tests of test_rooms_api and test_room_cap again, on the Redis table
(CNNPG_REDIS_URL with a real redis-server): one app, so the same answers as in memory.
Tests that age or forget a room through the memory table stay there."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from redis_server import RedisServer

from .fixtures import models_folder
from .test_room_cap import (
    test_a_closed_room_cannot_be_changed,
    test_a_locked_room_lets_no_one_new_in,
    test_joins_over_the_teachers_cap_are_refused_with_the_fix,
    test_removed_participants_do_not_take_a_place,
    test_the_room_socket_shows_the_cap_and_the_lock,
)
from .test_rooms_api import (
    test_a_room_has_a_short_readable_code_and_a_teacher_key,
    test_a_student_who_leaves_stops_hearing_the_room,
    test_a_wrong_code_says_so,
    test_an_unknown_well_formed_code_is_not_found,
    test_broadcasts_are_validated,
    test_only_the_teacher_runs_the_room,
    test_strangers_cannot_open_the_room_socket,
    test_students_join_by_code_and_the_teacher_sees_them,
    test_the_room_socket_follows_changes_kicks_and_closing,
)

pytestmark = pytest.mark.cluster
__all__ = [  # collected here again, with this module's client
    "test_a_closed_room_cannot_be_changed",
    "test_a_locked_room_lets_no_one_new_in",
    "test_a_room_has_a_short_readable_code_and_a_teacher_key",
    "test_a_student_who_leaves_stops_hearing_the_room",
    "test_a_wrong_code_says_so",
    "test_an_unknown_well_formed_code_is_not_found",
    "test_broadcasts_are_validated",
    "test_joins_over_the_teachers_cap_are_refused_with_the_fix",
    "test_only_the_teacher_runs_the_room",
    "test_removed_participants_do_not_take_a_place",
    "test_strangers_cannot_open_the_room_socket",
    "test_students_join_by_code_and_the_teacher_sees_them",
    "test_the_room_socket_follows_changes_kicks_and_closing",
    "test_the_room_socket_shows_the_cap_and_the_lock",
]


@pytest.fixture
def client(make_client: Callable[..., TestClient], redis_server: RedisServer,
           tmp_path: Path) -> TestClient:
    # test_room_cap's cap; test_rooms_api's tests do not depend on it
    return make_client(models_dir=models_folder(tmp_path), max_room_participants=100,
                       redis_url=redis_server.url)
