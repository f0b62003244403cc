"""Fixtures of the API tests: an authenticated client per person, and request helpers that
send the headers a real client sends (If-Match from the last ETag, Idempotency-Key)."""

import pytest
from rest_framework.test import APIClient


class Api:
    """An APIClient logged in as one person, speaking JSON."""

    def __init__(self, user=None):
        self.client = APIClient()
        self.user = user
        if user is not None:
            self.client.force_authenticate(user)

    def get(self, url, params=None, **headers):
        return self.client.get(url, params or {}, headers=headers)

    def post(self, url, body=None, **headers):
        return self.client.post(
            url, body if body is not None else {}, format="json", headers=headers
        )

    def patch(self, url, body, **headers):
        return self.client.patch(url, body, format="json", headers=headers)

    def put(self, url, body, **headers):
        return self.client.put(url, body, format="json", headers=headers)

    def multipart(self, url, body, **headers):
        """A multipart/form-data POST (file uploads)."""
        return self.client.post(url, body, format="multipart", headers=headers)

    def raw(self, method, url, data: bytes, content_type="application/json", **headers):
        return getattr(self.client, method)(url, data, content_type=content_type, headers=headers)


def if_match(version) -> dict:
    return {"If-Match": f'"{version}"'}


@pytest.fixture
def as_nurse(nurse):
    return Api(nurse)


@pytest.fixture
def as_director(director):
    return Api(director)


@pytest.fixture
def as_auditor(auditor):
    return Api(auditor)


@pytest.fixture
def as_outsider(other_site_nurse):
    return Api(other_site_nurse)


@pytest.fixture
def anonymous():
    return Api()
