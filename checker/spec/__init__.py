"""Reading OpenAPI documents: parse, resolve references, model paths and operations."""

from .load import LoadOptions, load_spec
from .model import (
    DEFAULT_PROBE_METHODS,
    METHOD_UNIVERSE,
    SAFE_METHODS,
    Operation,
    Parameter,
    PathItem,
    Problem,
    RequestBody,
    Spec,
)

__all__ = [
    "DEFAULT_PROBE_METHODS", "METHOD_UNIVERSE", "SAFE_METHODS", "LoadOptions", "Operation", "Parameter",
    "PathItem", "Problem", "RequestBody", "Spec", "load_spec",
]
