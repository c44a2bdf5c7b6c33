"""Cross-cutting pieces every domain may use: the audit log, staged uploads, the home page."""
