"""The one home of palettes, class breaks, legends, labels and offline web assets.

Shared by the dashboard, the published snapshot and the outreach briefing.
"""
