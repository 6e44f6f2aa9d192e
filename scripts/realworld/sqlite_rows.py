"""The row counts of a server's SQLite file, read-only: the real-world launchers' side-effect state.

    python sqlite_rows.py DB [--without TABLE]...   every non-empty table but these, as one line: "table=n ..."
    python sqlite_rows.py DB --count TABLE          that table's rows alone (a number)
"""

from __future__ import annotations

import sqlite3
import sys


def main(argv: list[str]) -> int:
    path, rest = argv[0], argv[1:]
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    if rest[:1] == ["--count"]:
        print(db.execute(f'select count(*) from "{rest[1]}"').fetchone()[0])
        return 0
    without = {rest[i + 1] for i in range(0, len(rest), 2) if rest[i] == "--without"}
    tables = [t for (t,) in db.execute("select name from sqlite_master where type='table' order by name") if t not in without]
    print(" ".join(f"{t}={n}" for t in tables if (n := db.execute(f'select count(*) from "{t}"').fetchone()[0])))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
