"""conform405: does a live HTTP API honour its OpenAPI document on methods?

The data's way through the package:

    spec/      load, resolve, model         -> Spec
    plan.py    path x method cells          -> Plan
    values.py  parameter values (hypothesis)
    engine.py  send probes via http/        -> Observations (observe.py)
    judge.py   apply rules/                 -> Findings + matrix
    report/    one module per format        -> terminal, JSON, ...

``checker.api`` is the library API; ``checker.cli`` is a thin layer over it.
"""

__version__ = "0.1.0"
