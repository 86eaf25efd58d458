"""Small helpers every app uses and that know nothing of the ledger (in the manner of
healthchecks' hc/lib): Chinese text and dates, form widgets, record stamps and versions,
file signatures. Nothing here imports an app."""
