"""Dossiers (hồ sơ): codes, statuses, the record format every source maps to, due dates derived
from the history, the verdict shown to citizens ("còn 2 ngày làm việc", "quá hạn 1 ngày") and the
masking of personal data. Pure functions, no database and no network."""
