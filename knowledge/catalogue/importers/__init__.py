"""Importers of the national procedure catalogue: one module per source format, all producing
``knowledge.catalogue.model.Procedure``. Start at ``import_paths``."""

from knowledge.catalogue.importers.files import ImportReport, Skipped, SourceCounts, import_paths

__all__ = ["ImportReport", "Skipped", "SourceCounts", "import_paths"]
