"""What a teacher's broadcast of one of their datasets is made of."""

from __future__ import annotations

from server.classroom.access import readable_dataset
from server.classroom.room_records import Broadcast, Room
from server.classroom.sessions import Identity
from server.errors import Forbidden
from server.services import Services


def dataset_broadcast(services: Services, identity: Identity, room: Room, dataset_id: str,
                      follow: bool) -> Broadcast:
    """One of the teacher's own datasets (404 when they cannot see it, 403 when another
    room shows it to them)."""
    record = readable_dataset(services, identity, dataset_id)
    if record.owner != room.owner:
        raise Forbidden(f"dataset {dataset_id!r} is not yours to show: broadcast one of your "
                        "own datasets (fork it first)", ["dataset_id"],
                        code="dataset_not_yours_to_show", params={"dataset_id": dataset_id})
    return Broadcast("dataset", dataset_id=record.id, follow=follow, title=record.name)
