"""Cross-cutting pieces every domain may use: the audit log, staged uploads and scheduled jobs
(no pages)."""
