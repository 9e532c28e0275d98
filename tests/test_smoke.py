def test_login_page_is_served(client):
    response = client.get("/compte/connexion/")
    assert response.status_code == 200
