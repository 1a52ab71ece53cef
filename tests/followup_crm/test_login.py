from django.urls import reverse

from tests.conftest import PASSWORD


def test_it_sends_anonymous_visitors_to_login(client, db):
    response = client.get("/")

    assert response.status_code == 302
    assert response.url == f"{reverse('login')}?next=/"


def test_it_logs_in_and_out(client, sales):
    response = client.post("/login/", {"username": "sasha", "password": PASSWORD})
    assert response.status_code == 302
    assert response.url == "/"

    response = client.get("/", follow=True)
    assert "My calls" in response.content.decode()

    response = client.post("/logout/")
    assert response.status_code == 302
    assert client.get("/").status_code == 302


def test_it_explains_a_wrong_password(client, sales):
    response = client.post("/login/", {"username": "sasha", "password": "nope"})

    assert response.status_code == 200
    assert "correct username and password" in response.content.decode()


def test_the_menu_depends_on_the_role(client, sales, director, django_assert_max_num_queries):
    client.force_login(sales)
    # The session, the user, their roles, the menu's counters.
    with django_assert_max_num_queries(4):
        page = client.get("/password/").content.decode()
    assert 'href="/admin/"' not in page
    assert "Sales manager" in page

    client.force_login(director)
    page = client.get("/password/").content.decode()
    assert 'href="/admin/"' in page
    assert "Director" in page


def test_a_user_without_a_role_is_told_so(client, db):
    from django.contrib.auth.models import User

    client.force_login(User.objects.create_user("nobody"))

    assert "no role yet" in client.get("/").content.decode()


def test_the_language_switch_shows_russian(client, sales):
    client.force_login(sales)

    response = client.post("/i18n/setlang/", {"language": "ru", "next": "/password/"})
    assert response.status_code == 302

    page = client.get("/password/").content.decode()
    assert "Сменить пароль" in page
    assert "Менеджер по продажам" in page
    assert "Выйти" in page
