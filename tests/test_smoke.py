def test_login_page_renders(client):
    response = client.get("/login")
    assert response.status_code == 200
    assert b'type="password"' in response.data


def test_admin_can_sign_in_and_see_home(auth, client):
    auth.login_as("admin")
    response = client.get("/")
    assert response.status_code == 200
    assert b"Program administration" in response.data
