from datetime import UTC, datetime

import pytest

from kit.bus import topic_matches
from kit.errors import InvalidInput
from kit.pagination import decode_cursor, encode_cursor
from kit.settings import PlatformSettings


@pytest.mark.parametrize("pattern, key, expected", [
    ("budget.agreed.v1", "budget.agreed.v1", True),
    ("budget.*.v1", "budget.agreed.v1", True),
    ("budget.*", "budget.agreed.v1", False),
    ("budget.#", "budget.agreed.v1", True),
    ("#", "x", True),
    ("#.v1", "icb.health_funding.changed.v1", True),
    ("icb.#.v2", "icb.health_funding.changed.v1", False),
])
def test_topic_matching_follows_amqp(pattern, key, expected):
    assert topic_matches(pattern, key) is expected


def test_a_cursor_round_trips_and_garbage_is_a_422_on_the_cursor_field():
    when = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)
    assert decode_cursor(encode_cursor(when, "abc")) == (when, "abc")
    with pytest.raises(InvalidInput) as err:
        decode_cursor("!!!")
    assert err.value.errors[0]["field"] == "cursor"


def test_outside_dev_mode_the_dev_key_and_embedded_backends_are_refused():
    with pytest.raises(ValueError, match="JWT_PUBLIC_KEYS"):
        PlatformSettings(mode="prod")
    with pytest.raises(ValueError, match="AMQP_URL"):
        PlatformSettings(mode="prod", jwt_public_keys={"k": "pem"}, database_url_template="postgresql+asyncpg://x/{service}")


def test_the_embedded_default_is_sqlite_per_service():
    url = PlatformSettings(data_dir="/tmp/x").database_url_for("budget")
    assert url == "sqlite+aiosqlite:////tmp/x/budget.db"
