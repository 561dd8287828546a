"""A Django project for the tests of corsair_cors.django."""
