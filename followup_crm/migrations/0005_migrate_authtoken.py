"""Carry REST framework's old tokens (rest_framework.authtoken, one plain key per user that
never expired) over to hashed ApiToken rows named "api login (before expiry)", so that the
integrations using them keep working until they expire, API_TOKEN_DAYS from now. The old
table is left in place, unread; drop it with `DROP TABLE authtoken_token` when convenient."""

import datetime as dt
import hashlib

from django.conf import settings
from django.db import migrations
from django.utils import timezone

OLD_TABLE = "authtoken_token"


def carry_over(apps, schema_editor):
    connection = schema_editor.connection
    if OLD_TABLE not in connection.introspection.table_names():
        return
    ApiToken = apps.get_model("followup_crm", "ApiToken")
    User = apps.get_model(*settings.AUTH_USER_MODEL.split("."))
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT key, user_id FROM {OLD_TABLE}")  # noqa: S608 - a constant
        rows = cursor.fetchall()
    expires = timezone.now() + dt.timedelta(days=settings.API_TOKEN_DAYS)
    passwords = dict(User.objects.filter(pk__in=[user for _, user in rows]).values_list("pk", "password"))
    ApiToken.objects.bulk_create(
        ApiToken(
            user_id=user_id,
            name="api login (before expiry)",
            digest=hashlib.sha256(key.encode()).hexdigest(),
            prefix=key[:8],
            password_digest=hashlib.sha256(passwords[user_id].encode()).hexdigest(),
            expires_at=expires,
        )
        for key, user_id in rows
        if user_id in passwords
    )


class Migration(migrations.Migration):
    dependencies = [("followup_crm", "0004_api_tokens")]

    operations = [migrations.RunPython(carry_over, migrations.RunPython.noop)]
