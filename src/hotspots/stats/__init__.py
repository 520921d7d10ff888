"""Statistics on counts per unit: Gi*, Local Moran's I, significance, weights, trends, profiles.

This stage never draws: colours, labels for display and maps live in :mod:`hotspots.maps`.
"""
