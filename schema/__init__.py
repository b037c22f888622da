"""The tables, one module per domain. Import them from `models` (which re-exports every table), not from here."""
