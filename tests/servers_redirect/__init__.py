"""Servers for the redirect and trailing-slash tests (issue #4): real frameworks' own redirect behaviour,
and a small stdlib server that answers 302/303, loops, redirects cross-origin and omits Location.
Each module starts with a table of what it does and the rules that must catch it."""
