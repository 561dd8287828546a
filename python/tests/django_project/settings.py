"""The tests' Django settings, without CORS settings (each test sets its own, as
django-cors-headers' tests do); seed_settings.py adds the seed's."""

SECRET_KEY = "NOTASECRET"
DEBUG = False
ALLOWED_HOSTS = ["*"]
INSTALLED_APPS = ["corsair_cors.django"]
DATABASES: dict = {}
ROOT_URLCONF = "django_project.urls"
MIDDLEWARE = [
    "corsair_cors.django.CorsMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
]
SECURE_PROXY_SSL_HEADER = ("HTTP_FAKE_SECURE", "true")
USE_TZ = True
LOGGING_CONFIG = None
