"""``make demo``: start the demo API on 127.0.0.1, run conform405 against it, show the report, stop it."""

from __future__ import annotations

import sys
from pathlib import Path

from ..cli import main as cli_main
from .server import DemoServer


def _spec() -> Path | None:
    """specs/bookshop.yaml of the checkout; installed from a wheel, the copy it ships as checker.demo.specs."""
    checkout = Path(__file__).resolve().parents[2] / "specs" / "bookshop.yaml"
    if checkout.is_file():
        return checkout
    from importlib import resources

    try:
        shipped = Path(str(resources.files("checker.demo.specs").joinpath("bookshop.yaml")))
    except ModuleNotFoundError:
        return None
    return shipped if shipped.is_file() else None


def main() -> int:
    spec = _spec()
    if spec is None:
        print("demo: bookshop.yaml not found (run the demo from a checkout of the repository)", file=sys.stderr)
        return 2
    with DemoServer() as url:
        print(f"demo: the Bookshop API is listening on {url} (deliberate drift: see checker/demo/server.py)\n", flush=True)
        try:
            cli_main([str(spec.relative_to(Path.cwd())) if spec.is_relative_to(Path.cwd()) else str(spec),
                      "--base-url", url, "--json", "reports/demo.json",
                      # the demo server is disposable (in memory): its declared writes are sent too, so every
                      # documented drift shows (a default run withholds the declared PUT that the drift is about)
                      "--allow-writes", *sys.argv[1:]])
        except SystemExit as exc:
            code = int(exc.code or 0)
    print("\ndemo: JSON report written to reports/demo.json; the server is stopped.")
    if code == 1:
        print("demo: exit code 1 = findings at the --fail-on threshold, as the demo's drift intends.")
        return 0
    return code


if __name__ == "__main__":
    raise SystemExit(main())
