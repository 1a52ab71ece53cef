"""Every choice of a person names them by their full name, not their login."""

import pytest

from tests.conftest import make_user


@pytest.mark.parametrize("url", ["/clients/", "/reports/", "/calls/", "/calls/reassign/"])
def test_the_manager_choices_name_people_by_their_full_name(client, director, url):
    make_user("olga", "sales_manager", last_name="Petrova")
    client.force_login(director)

    html = client.get(url).content.decode()

    assert ">Olga Petrova</option>" in html
    assert ">olga</option>" not in html
