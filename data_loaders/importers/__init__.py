"""Importers and exporters of the files offices have: all rows or none, errors by row and column."""

from data_loaders.files import FileProblem
from data_loaders.importers.core import ImportRejected, ImportReport, RowError, run_import
from data_loaders.importers.exports import export_kind
from data_loaders.importers.kinds import KINDS

__all__ = [
    "KINDS",
    "FileProblem",
    "ImportRejected",
    "ImportReport",
    "RowError",
    "export_kind",
    "import_file",
    "run_import",
]


def import_file(engine, kind: str, path, **options):  # type: ignore[no-untyped-def]
    """Import one file of one kind (see run_import for the options)."""
    return run_import(engine, KINDS[kind], path, **options)
