"""Project wiring: settings, URL routes, WSGI and Celery entry points."""
