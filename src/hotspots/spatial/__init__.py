"""Where incidents are: projection to a metric CRS, grids, polygon units, counting, filters."""
