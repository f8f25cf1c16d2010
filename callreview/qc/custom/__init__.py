"""Custom checklist items: a scorecard's own ``[[items]]``, each a rule over the transcript.

``schema`` reads and validates the rules (one line naming the file and the line on a fault),
``rule`` judges one rule on a call with the same matching as the built-in items
(:mod:`callreview.matching`), ``hangup`` the rule over segment times (the customer hangs up first).
"""
