"""The report's charts in a child process (``python -m handlers.reports.draw_child``): pickled
``(Figures, Translator)`` jobs on stdin, the pickled PNGs of :func:`handlers.reports.charts.draw_all`
on stdout. A plain child rather than a multiprocessing pool: nothing of the parent's ``__main__`` is
run again in it, whatever started the parent (see ``handlers.reports.drawing.draw_aside``)."""

from __future__ import annotations

import pickle
import sys


def main() -> None:
    from handlers.reports.charts import draw_all  # matplotlib: only ever imported in this child

    jobs = pickle.load(sys.stdin.buffer)
    pickle.dump(draw_all(jobs), sys.stdout.buffer)
    sys.stdout.buffer.flush()


if __name__ == "__main__":
    main()
