"""``make bench``: every benchmark, one table (each figure with its same-run baseline)."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import (
    dayplan_bench,
    dispatch_bench,
    documents_bench,
    import_bench,
    live_board_bench,
    load_bench,
    pages_bench,
    promises_bench,
    stock_bench,
    tracking_bench,
)
from bench.common import print_table


def main() -> None:
    quick = "--quick" in sys.argv
    dispatch_bench.main(["--repeat", "50" if quick else "200"])
    # The day plan's driving against the best joint solve of the run (issue 23; --quick: 300
    # orders × 30 technicians, 10 s against 60 s).
    dayplan_bench.main(["--quick"] if quick else [])
    documents_bench.main(["--sheets", "50" if quick else "200",
                          "--invoices", "200" if quick else "1000"])
    stock_bench.main(["--movements", "100000" if quick else "1000000",
                      "--requests", "100" if quick else "500"])
    import_bench.main(["--rows", "20000" if quick else "100000"])
    tracking_bench.main(["--repeat", "100" if quick else "500",
                         "--devices", "20000" if quick else "100000"])
    promises_bench.main(["--repeat", "100" if quick else "300",
                         "--messages", "200" if quick else "1000"])
    # gunicorn + wrk against PostgreSQL (1,000,000 orders; --quick: 100,000 orders, 3 s each).
    load_bench.main(["--orders", "100000", "--duration", "3"] if quick else [])
    # The busiest pages on the same data set, against its page-query ceiling (issue 20).
    pages_bench.main(["--orders", "100000", "--requests", "5"] if quick else [])
    # The live board: a change pushed to open boards vs polling, bytes vs the snapshot (#23).
    live_board_bench.main(["--boards", "5", "--changes", "10", "--orders", "10000", "--open",
                           "2000", "--technicians", "100"] if quick else [])
    print_table("GPS Dispatch benchmarks")


if __name__ == "__main__":
    main()
