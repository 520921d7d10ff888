"""Incidents as arrays: the fast form that travels from the reader to the counts.

An :class:`IncidentTable` holds the accepted incidents as plain columns - ``x_m`` and
``y_m`` (float64, metres in ``crs``), ``occurred_at`` (tz-aware ``datetime64[us]``, stored
as int64 microseconds), ``offense``, ``neighbourhood`` and ``premises`` (categorical) and
``source_row`` - without one Shapely object per incident. Grids locate points arithmetically
and polygon joins work on the coordinates (:func:`hotspots.spatial.units.locate_in_polygons`),
so a GeoDataFrame is built only when someone asks for one (:meth:`IncidentTable.to_geodataframe`,
``LoadResult.incidents``, ``Analysis.incidents``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from numpy.typing import NDArray
from pyproj import CRS

from hotspots.errors import CRSError, InputError, describe

#: Coordinate columns of :attr:`IncidentTable.frame`.
XY_COLUMNS = ("x_m", "y_m")
#: Label columns, categorical in :attr:`IncidentTable.frame` (strings in a GeoDataFrame).
LABEL_COLUMNS = ("offense", "neighbourhood", "premises", "location")


@dataclass(frozen=True, eq=False)
class IncidentTable:
    """Accepted incidents as columns, with their metric CRS.

    Attributes
    ----------
    frame : pandas.DataFrame
        ``source_row``, ``occurred_at``, ``offense``, ``neighbourhood``, ``premises`` (the
        schema of ``LoadResult.incidents`` without ``geometry``) plus ``x_m`` and ``y_m``
        (float64, metres). Any other columns (e.g. ``cell_id``) travel along.
    crs : pyproj.CRS
        The projected CRS in metres the coordinates are in.
    """

    frame: pd.DataFrame
    crs: CRS

    def __len__(self) -> int:
        return len(self.frame)

    @property
    def x_m(self) -> NDArray[np.float64]:
        """Easting of every incident, in metres."""
        return self.frame["x_m"].to_numpy(dtype=np.float64)

    @property
    def y_m(self) -> NDArray[np.float64]:
        """Northing of every incident, in metres."""
        return self.frame["y_m"].to_numpy(dtype=np.float64)

    @property
    def columns(self) -> pd.Index:
        """The attribute columns (``x_m``/``y_m`` included)."""
        return self.frame.columns

    def __getitem__(self, column: str) -> pd.Series:
        return self.frame[column]

    def select(self, keep: NDArray[np.bool_] | pd.Series) -> IncidentTable:
        """The incidents where ``keep`` is true (index kept)."""
        mask = np.asarray(keep, dtype=bool)
        if mask.all():
            return self
        return IncidentTable(self.frame.loc[mask], self.crs)

    def assign(self, **columns: Any) -> IncidentTable:
        """A copy with extra or replaced columns."""
        return IncidentTable(self.frame.assign(**columns), self.crs)

    def to_geodataframe(self, *, columns: Sequence[str] | None = None) -> gpd.GeoDataFrame:
        """The incidents as a GeoDataFrame of points (one Shapely object per row: the slow form).

        ``offense``, ``neighbourhood`` and ``premises`` become string columns, as in
        ``LoadResult.incidents``; ``x_m``/``y_m`` become the geometry.
        """
        data = self.frame.drop(columns=list(XY_COLUMNS))
        if columns is not None:
            data = data[list(columns)]
        labels = {
            c: "string"
            for c in LABEL_COLUMNS
            if c in data.columns and isinstance(data[c].dtype, pd.CategoricalDtype)
        }
        data = data.astype(labels)
        points = shapely.points(self.x_m, self.y_m)
        return gpd.GeoDataFrame(data, geometry=points, crs=self.crs, index=self.frame.index)

    @classmethod
    def from_geodataframe(cls, incidents: gpd.GeoDataFrame) -> IncidentTable:
        """Arrays of a GeoDataFrame of points (its geometry becomes ``x_m``/``y_m``)."""
        if incidents.crs is None:
            raise CRSError(
                "incidents has no CRS. Set one with incidents.set_crs(...) before analysis."
            )
        geometry = incidents.geometry.values
        if len(geometry) and not bool(np.all(shapely.get_type_id(geometry) == 0)):
            kinds = sorted(set(incidents.geom_type.dropna()))
            raise InputError(
                f"incidents holds {describe(', '.join(kinds))} geometries; only points can be "
                "counted. Load incidents with hotspots.ingest.load_incidents(...)."
            )
        frame = pd.DataFrame(incidents.drop(columns=incidents.geometry.name))
        frame["x_m"] = shapely.get_x(geometry)
        frame["y_m"] = shapely.get_y(geometry)
        return cls(frame, CRS.from_user_input(incidents.crs))


def as_table(incidents: Any) -> IncidentTable:
    """``incidents`` as an :class:`IncidentTable`: a table itself, what ``load_incidents``
    returns (its table), or a GeoDataFrame of points (converted)."""
    if isinstance(incidents, IncidentTable):
        return incidents
    loaded = getattr(incidents, "table", None)  # a LoadResult: the arrays, no points built
    if isinstance(loaded, IncidentTable):
        return loaded
    if isinstance(incidents, gpd.GeoDataFrame):
        return IncidentTable.from_geodataframe(incidents)
    raise InputError(
        f"incidents={describe(incidents)} is neither an IncidentTable nor a GeoDataFrame of "
        "points; load incidents with hotspots.ingest.load_incidents(...)."
    )
