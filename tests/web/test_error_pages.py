"""403, 404 and 500 answers are pages of the app, with its navigation, and the app has a
favicon."""

from django.test import RequestFactory
from django.urls import reverse

from events.views.errors import server_error


def test_a_403_is_a_page_in_the_layout_saying_why(signed_in, nurse):
    response = signed_in(nurse).get(reverse("review-queue"))

    assert response.status_code == 403
    assert '<nav aria-label="Main">' in response.text
    assert "Your role does not allow this" in response.text
    assert "The review queue is for medical directors." in response.text
    assert 'rel="icon"' in response.text


def test_a_404_is_a_page_in_the_layout_with_a_way_home(signed_in, nurse):
    response = signed_in(nurse).get("/sessions/999999/")

    assert response.status_code == 404
    assert '<nav aria-label="Main">' in response.text and "Nothing here" in response.text
    assert f'href="{reverse("home")}"' in response.text


def test_an_unknown_api_address_stays_json(signed_in, nurse):
    response = signed_in(nurse).get("/api/v1/no-such-thing/")

    assert response.status_code == 404 and response.json() == {"detail": "Not found."}


def test_a_500_is_a_page_in_the_layout(nurse):
    request = RequestFactory().get("/")
    request.user = nurse

    response = server_error(request)

    assert response.status_code == 500
    assert b'<nav aria-label="Main">' in response.content
    assert b"Something went wrong on our side" in response.content


def test_the_favicon_is_served_and_old_clients_are_pointed_to_it(client):
    response = client.get("/favicon.ico")

    assert response.status_code == 301 and response["Location"].endswith("favicon.svg")
