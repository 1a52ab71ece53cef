"""Import of clients and orders from CSV and XLSX files.

The modules, each importing only those listed before it:
- `cells`: one cell read as text, a date, a date and time, an amount, an id or yes/no.
- `files`: a CSV or XLSX file read into a table of rows under their column names.
- `columns`: the columns of a clients file and of an orders file, with their help.
- `report`: what a run found and did, and the progress callback it calls.
- `rows`: the cells of one row read with every problem recorded, and the users a file names.
- `client_rows`, `order_rows`: the rows of each kind checked against the CRM.
- `plan`: `import_check`, the dry run of a whole table: its report and the actions to apply.
- `apply`: `import_apply`, the actions written all or nothing through the client services, and
  `import_file`, the whole run of a file.
- `revert`: `import_job_revert`, what an applied job changed put back within REVERT_DAYS.
- `jobs`: the director's page: an upload kept as an `ImportJob`, confirmed, run by a worker,
  swept when left behind.

This package exports the names the rest of the project uses; a test that patches a name
patches it in the module that looks it up.
"""

from .apply import import_file
from .cells import (
    AMOUNT_LIMIT,
    FORMULA_TRIGGERS,
    cell_text,
    parse_amount,
    parse_date,
    parse_flag,
    parse_moment,
)
from .client_rows import DUPLICATE_RULES, FILL, SKIP, UPDATE
from .columns import CLIENT_COLUMNS, ORDER_COLUMNS, columns_help
from .files import ImportFileError, Table, read_table
from .jobs import (
    IMPORT_SOFT_TIME_LIMIT,
    IMPORT_TIME_LIMIT,
    STALLED_AFTER,
    import_job_confirm,
    import_job_process,
    import_job_view,
    import_jobs_recent,
    import_jobs_sweep,
    import_upload,
)
from .order_rows import status_events
from .report import ImportReport, RowError
from .revert import REVERT_DAYS, RevertReport, import_job_revert, import_job_revertible
from .rows import MAX_CELL_CHARS

__all__ = [
    "AMOUNT_LIMIT",
    "CLIENT_COLUMNS",
    "DUPLICATE_RULES",
    "FILL",
    "FORMULA_TRIGGERS",
    "IMPORT_SOFT_TIME_LIMIT",
    "IMPORT_TIME_LIMIT",
    "MAX_CELL_CHARS",
    "ORDER_COLUMNS",
    "REVERT_DAYS",
    "SKIP",
    "STALLED_AFTER",
    "UPDATE",
    "ImportFileError",
    "ImportReport",
    "RevertReport",
    "RowError",
    "Table",
    "cell_text",
    "columns_help",
    "import_file",
    "import_job_confirm",
    "import_job_process",
    "import_job_revert",
    "import_job_revertible",
    "import_job_view",
    "import_jobs_recent",
    "import_jobs_sweep",
    "import_upload",
    "parse_amount",
    "parse_date",
    "parse_flag",
    "parse_moment",
    "read_table",
    "status_events",
]
