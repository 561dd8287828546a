"""The seed's Django example, verbatim: django-cors-headers' settings, read by
corsair_cors.django.CorsMiddleware."""

from django_project.settings import *  # noqa: F401,F403

CORS_ALLOW_ALL_ORIGINS = False
CORS_ALLOW_CREDENTIALS = True
CORS_ALLOWED_ORIGINS = ["https://yourdomain.com"]
