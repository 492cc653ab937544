"""``python -m tests.sync.paused_client MARK [app arguments…]``: ``python -m app …`` with one fault injected from
outside (tests/sync/test_client_killed.py): while the **second** download page is being applied — its rows
written, its cursor not yet, the transaction open — write ``MARK`` (the committed cursor and the page's) and
wait to be killed. The production code carries no hook: this module wraps the step before running the app."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, select

from app.__main__ import main
from app.models.tables.local import SyncState
from app.services.sync.base import K_CURSOR
from app.services.sync.download import DownloadMixin


def pause_in_second_page(mark: Path) -> None:
    """Wrap :meth:`DownloadMixin.apply_page` so that the second page stops inside its transaction."""
    apply_page = DownloadMixin.apply_page
    upsert_rows = DownloadMixin._upsert_rows
    pages: list[dict[str, Any]] = []

    def applying(self: DownloadMixin, page: dict[str, Any]) -> int:
        pages.append(page)
        return apply_page(self, page)

    def upserting(self: DownloadMixin, conn: Connection, rows: dict[str, Any]) -> int:
        count = upsert_rows(self, conn, rows)
        if len(pages) == 2:  # inside apply_page's transaction: the rows are written, the cursor not yet
            committed = int(
                conn.execute(select(SyncState.value).where(SyncState.key == K_CURSOR)).scalar() or 0
            )
            mark.write_text(json.dumps({"committed": committed, "applying": int(pages[-1]["cursor"])}))
            time.sleep(120)
        return count

    DownloadMixin.apply_page = applying  # type: ignore[method-assign]
    DownloadMixin._upsert_rows = upserting  # type: ignore[method-assign]


if __name__ == "__main__":
    pause_in_second_page(Path(sys.argv[1]))
    sys.exit(main(sys.argv[2:]))
