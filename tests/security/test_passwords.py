"""Passwords: at least 12 characters, not common, not like the account's own names."""

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError


@pytest.mark.parametrize(
    ("candidate", "reason"),
    [
        ("Sh0rt!pass", "too short"),
        ("password1234", "too common"),
        ("123456789012", "entirely numeric"),
        ("alice@clinic.example", "too similar"),
    ],
)
def test_weak_passwords_are_refused(nurse, candidate, reason):
    with pytest.raises(ValidationError) as caught:
        validate_password(candidate, user=nurse)
    assert any(reason in message for message in caught.value.messages), caught.value.messages


def test_a_long_uncommon_passphrase_is_accepted(nurse):
    validate_password("violet kettle under rain", user=nurse)
