"""BigQuery support tooling: offline compile, ZetaSQL check, static scan, emulator run."""
