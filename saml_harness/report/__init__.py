"""Build the reports people and CI read: results per run, matrix.json, a self-contained report.html."""
