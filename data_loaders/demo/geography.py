"""Nested, gap-free grid polygons for the demo city, by clipped Voronoi partitions."""

from __future__ import annotations

import numpy as np
import shapely
from shapely.geometry import MultiPoint, Polygon, box
from shapely.geometry.base import BaseGeometry

# The reference city lies around 120.40–120.80 E, 27.60–27.90 N (WGS84).
CITY_BOX = (120.40, 27.60, 120.80, 27.90)

# The 15 towns of the reference city: name, seed lon/lat (roughly where each lies), weight
# for communities, weight for enterprises, industries it is known for.
TOWNS: list[tuple[str, float, float, float, float, tuple[str, ...]]] = [
    ("安阳街道", 120.640, 27.782, 9, 5, ("服装", "眼镜")),
    ("玉海街道", 120.658, 27.772, 8, 3, ("服装", "工艺品")),
    ("锦湖街道", 120.622, 27.795, 8, 5, ("机械", "箱包")),
    ("东山街道", 120.690, 27.770, 7, 6, ("汽摩配", "机械")),
    ("上望街道", 120.715, 27.800, 7, 8, ("汽摩配", "船舶修造")),
    ("莘塍街道", 120.700, 27.830, 9, 11, ("汽摩配", "电镀")),
    ("汀田街道", 120.672, 27.822, 8, 9, ("机械", "锻造")),
    ("飞云街道", 120.640, 27.740, 8, 7, ("制鞋", "冷库/速冻")),
    ("仙降街道", 120.585, 27.728, 8, 10, ("制鞋", "箱包")),
    ("南滨街道", 120.690, 27.725, 7, 5, ("冷库/速冻", "化工")),
    ("云周街道", 120.590, 27.780, 6, 4, ("铸造", "机械")),
    ("塘下镇", 120.660, 27.865, 14, 17, ("汽摩配", "锻造")),
    ("马屿镇", 120.510, 27.720, 8, 5, ("箱包", "油品")),
    ("陶山镇", 120.515, 27.800, 7, 3, ("工艺品", "采石")),
    ("湖岭镇", 120.445, 27.745, 6, 2, ("采石", "工艺品")),
]


def county_polygon(rng: np.random.Generator) -> Polygon:
    """An irregular county outline around the town seeds, inside the city box."""
    seeds = MultiPoint([(lon, lat) for _, lon, lat, *_ in TOWNS])
    hull = seeds.convex_hull.buffer(0.045, quad_segs=8)
    center = np.array(hull.centroid.coords[0])
    ring = np.asarray(hull.exterior.coords)[:-1]
    # Wobble the outline radially with a smooth random signal so it looks like a coastline.
    angles = np.linspace(0, 2 * np.pi, len(ring), endpoint=False)
    wobble = sum(
        rng.normal(0, 0.05 / k) * np.sin(k * angles + rng.uniform(0, 2 * np.pi))
        for k in range(2, 9)
    )
    ring = center + (ring - center) * (1 + wobble)[:, None]
    outline = shapely.make_valid(Polygon(ring)).intersection(box(*CITY_BOX))
    outline = shapely.union_all([outline, seeds.buffer(0.01)])
    if outline.geom_type != "Polygon":  # keep the main body only
        outline = max(outline.geoms, key=lambda g: g.area)
    return shapely.set_precision(outline, 1e-7)


def sample_points(area: BaseGeometry, n: int, rng: np.random.Generator) -> np.ndarray:
    """n uniformly random points inside an area, as an (n, 2) array."""
    minx, miny, maxx, maxy = area.bounds
    shapely.prepare(area)
    out: list[np.ndarray] = []
    got = 0
    while got < n:
        batch = max(64, int((n - got) * 2.5))
        xs = rng.uniform(minx, maxx, batch)
        ys = rng.uniform(miny, maxy, batch)
        inside = shapely.contains_xy(area, xs, ys)
        pts = np.column_stack([xs[inside], ys[inside]])
        out.append(pts)
        got += len(pts)
    return np.concatenate(out)[:n]


def partition(
    parent: BaseGeometry,
    seeds: np.ndarray,
    relax: int = 2,
) -> list[BaseGeometry]:
    """Split a polygon into Voronoi cells of the seeds, clipped to it (gap-free, no overlap).

    A few Lloyd steps move seeds to their cells' centres so cells look like real parcels.
    """
    if len(seeds) == 1:
        return [parent]
    extent = parent.envelope.buffer(0.05)
    points = seeds.copy()
    cells: list[BaseGeometry] = []
    for step in range(relax + 1):
        diagram = shapely.voronoi_polygons(MultiPoint(points), extend_to=extent, ordered=True)
        cells = [cell.intersection(parent) for cell in diagram.geoms]
        if step == relax:
            break
        centres = [c.centroid if c.contains(c.centroid) else c.point_on_surface() for c in cells]
        points = np.array([(p.x, p.y) for p in centres])
    return [_main_part(c) for c in cells]


def _main_part(geom: BaseGeometry) -> BaseGeometry:
    """Drop stray points/lines an intersection can leave; keep (multi)polygons."""
    if geom.geom_type in ("Polygon", "MultiPolygon"):
        return geom
    polys = [g for g in getattr(geom, "geoms", []) if g.geom_type in ("Polygon", "MultiPolygon")]
    return shapely.union_all(polys)


def allocate(total: int, weights: list[float] | np.ndarray, minimum: int = 0) -> list[int]:
    """Split an integer total by weights exactly (largest remainder), each at least `minimum`."""
    w = np.asarray(weights, dtype=float)
    n = len(w)
    base = np.full(n, minimum, dtype=int)
    rest = total - minimum * n
    if rest < 0:
        raise ValueError(f"cannot give {n} parts at least {minimum} from {total}")
    share = w / w.sum() * rest
    counts = np.floor(share).astype(int)
    short = rest - counts.sum()
    order = np.argsort(-(share - counts), kind="stable")
    counts[order[:short]] += 1
    return (base + counts).tolist()
