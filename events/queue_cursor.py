"""Review-queue cursors: an opaque token for "the page after (or before) this event".

The token carries the event's place in the review order (class, due time, id), not a page
number, so pages stay put while events are filed and reviewed (`events.selectors.ReviewQueue`).
"""

from base64 import urlsafe_b64decode, urlsafe_b64encode
from binascii import Error as Base64Error
from datetime import UTC, datetime, timedelta

from events.selectors import END, REVIEW_PRIORITY, QueuePosition

_LAST = "last"
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)
INVALID = "Not a cursor of this list: follow the next, previous or last links."


def encode(position: QueuePosition, *, backward: bool) -> str:
    if position is END:
        text = _LAST
    else:
        # A position in the part of the queue without due times carries "-" for its due time.
        micros = "-" if position.due is None else (position.due - _EPOCH) // _MICROSECOND
        text = f"{'p' if backward else 'n'}.{position.rank}.{micros}.{position.id}"
    return urlsafe_b64encode(text.encode()).decode().rstrip("=")


def decode(token: str) -> tuple[QueuePosition, bool]:
    """(position, backward) from a token; `ValueError` with `INVALID` for anything else."""
    try:
        text = urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode("ascii")
        if text == _LAST:
            return END, True
        direction, rank, micros, pk = text.split(".")
        position = QueuePosition(
            rank=int(rank),
            due=None if micros == "-" else _EPOCH + int(micros) * _MICROSECOND,
            id=int(pk),
        )
    except (ValueError, UnicodeDecodeError, Base64Error, OverflowError, OSError):
        raise ValueError(INVALID) from None
    if direction not in ("n", "p") or not 0 <= position.rank < len(REVIEW_PRIORITY):
        raise ValueError(INVALID)
    if (position.rank == 0) != (position.due is None):
        raise ValueError(INVALID)
    if not 0 < position.id < 2**63:
        raise ValueError(INVALID)
    return position, direction == "p"


LAST_PAGE = encode(END, backward=True)
