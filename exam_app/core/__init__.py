"""Cross-cutting pieces every domain may use: the audit log and staged uploads (no pages)."""
