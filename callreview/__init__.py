"""callreview: score recorded call-center calls against the QC checklist, with evidence."""

__version__ = "0.1.0"
