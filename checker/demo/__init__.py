"""The embedded demo: a real server with deliberate drift from specs/bookshop.yaml (see server.py)."""
