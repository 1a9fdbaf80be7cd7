"""WSGI shim for gunicorn: give oslo.config a clean ``sys.argv`` before the service module is imported.

gunicorn leaves its own arguments in ``sys.argv``; the OpenStack WSGI modules parse ``sys.argv`` with
oslo.config and crash on them. ``SOVDC_WSGI_MODULE`` names the module, ``SOVDC_ARGV`` (JSON list) the
arguments it should see.
"""

import importlib
import json
import os
import sys

sys.argv = [os.environ.get("SOVDC_PROG", "sovdc-api"), *json.loads(os.environ.get("SOVDC_ARGV", "[]"))]
application = importlib.import_module(os.environ["SOVDC_WSGI_MODULE"]).application
