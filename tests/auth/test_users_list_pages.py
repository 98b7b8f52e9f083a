"""/admin/users shows a page of accounts with a search (issue 20: no unbounded list)."""

from __future__ import annotations

from coachprog.extensions import db
from coachprog.roles import Role
from tests.factories import UserFactory


def test_users_list_pages_and_searches_on_the_server(client, auth, app) -> None:
    admin = auth.login_as(Role.ADMIN, display_name="Aaron Admin")
    UserFactory(display_name="Beatrix Zed", email="beatrix@example.com")
    UserFactory(display_name="Cyril Young", email="cyril@example.com")
    db.session.commit()
    app.config["COACHPROG_PAGE_SIZE"] = 2
    try:
        first = client.get("/admin/users").get_data(as_text=True)
        second = client.get("/admin/users?page=2").get_data(as_text=True)
        assert admin.display_name in first and "Beatrix Zed" in first
        assert "Cyril Young" not in first and "Cyril Young" in second
        assert "1–2 of 3" in first and "Page 2 of 2" in second
        found = client.get("/admin/users?q=CYRIL@").get_data(as_text=True)
        assert "Cyril Young" in found and "Beatrix Zed" not in found
        none = client.get("/admin/users?q=100%25_x").get_data(as_text=True)
        assert "contains “100%_x”" in none and "Beatrix Zed" not in none
        assert client.get("/admin/users?page=-3").status_code == 200
    finally:
        app.config["COACHPROG_PAGE_SIZE"] = 50
