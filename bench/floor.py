"""The floor: the least work that turns incidents into counts per grid cell.

    python bench/floor.py incidents.csv --out DIR [--cell-size-m 250]

pyarrow's multithreaded reader with typed columns (dates parsed by Arrow), one pyproj
transform to UTM, NumPy ``floor`` + ``bincount``, the counts written as Parquet. No
validation, no rejects, no statistics: what ``hotspots analyze`` is measured against
in ``bench/end_to_end.py`` ("within 2x of the floor"). Not part of the library.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
from pyproj import CRS, Transformer


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", type=Path)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--cell-size-m", type=float, default=250.0)
    args = parser.parse_args(argv)

    columns = {"lat": pa.float64(), "lon": pa.float64(), "date": pa.timestamp("s")}
    if args.source.suffix == ".parquet":
        table = pq.read_table(args.source, columns=["lat", "lon", "date"])
    else:
        table = pacsv.read_csv(
            args.source,
            convert_options=pacsv.ConvertOptions(
                column_types={**columns, "offense": pa.dictionary(pa.int32(), pa.string())},
                include_columns=["lat", "lon", "date"],
            ),
        )
    lat = table["lat"].to_numpy()
    lon = table["lon"].to_numpy()
    zone = int((np.median(lon) + 180) // 6) + 1
    utm = CRS.from_epsg((32600 if np.median(lat) >= 0 else 32700) + zone)
    x, y = Transformer.from_crs("EPSG:4326", utm, always_xy=True).transform(lon, lat)
    size = args.cell_size_m
    col = np.floor((x - x.min()) / size).astype(np.int64)
    row = np.floor((y - y.min()) / size).astype(np.int64)
    n_cols = int(col.max()) + 1
    counts = np.bincount(row * n_cols + col)
    args.out.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.table({"count": counts}), args.out / "counts.parquet")
    print(f"{len(lat):,} incidents, {counts.size:,} cells, max {counts.max()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
