from tests.conftest import post_form


def test_login_page_renders(client):
    response = client.get("/login")
    assert response.status_code == 200
    assert b'type="password"' in response.data


def test_admin_can_sign_in_and_see_home(auth, client):
    auth.login_as("admin")
    response = client.get("/")
    assert response.status_code == 200
    assert b"Program administration" in response.data


def test_huge_ids_in_urls_are_not_found_rather_than_overflowing(auth, client):
    auth.login_as("admin")
    for url in ("/sprints/99999999999999999999", "/people/99999999999999999999",
                "/assessments/99999999999999999999", "/jobs/99999999999999999999"):
        assert client.get(url).status_code == 404, url


def test_nul_characters_are_refused_in_words_on_pages_and_the_api(client):
    page = post_form(client, "/login", {"email": "a\x00b", "password": "x"}, token_page="/login")
    assert page.status_code == 400
    assert b"NUL character" in page.data
    api = client.post("/api/v1/sprints", json={"name": "a\u0000b"})
    assert api.status_code == 400
    assert api.mimetype == "application/problem+json"
    assert client.get("/login?next=%00").status_code == 400
