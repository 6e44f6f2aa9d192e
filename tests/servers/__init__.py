"""Real framework apps for the end-to-end tests, each with the spec it drifts from (same stem, .yaml).

Every app module starts with a table: path, drift, and the rule that must catch it.
"""
