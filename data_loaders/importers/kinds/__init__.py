"""The importable kinds, one module each (its columns, checks and writer), and KINDS: the
registry by name the importer, the exporter, the CLI and the tests read."""

from __future__ import annotations

from data_loaders.importers.core import Kind
from data_loaders.importers.kinds import (
    campaign_tasks,
    committee_tasks,
    enterprises,
    grids,
    hidden_dangers,
    major_hazards,
    sensors,
)

# In import order: a kind's rows may name rows of the kinds before it.
KINDS: dict[str, Kind] = {
    m.KIND.name: m.KIND
    for m in (
        grids,
        enterprises,
        hidden_dangers,
        major_hazards,
        sensors,
        campaign_tasks,
        committee_tasks,
    )
}


def columns_markdown() -> str:
    """Every importable kind's accepted columns, as Markdown tables (README, `onemap columns`)."""
    out = []
    for kind in KINDS.values():
        geo = {
            "polygon": " Geometry: polygons (geographic file, or a `wkt` column in CSV/XLSX).",
            "point": " Position: point geometry, or `lon`/`lat` columns.",
        }.get(kind.geometry or "", "")
        out.append(f"#### `{kind.name}`: {kind.help}.{geo}\n")
        out.append("| column | 中文表头 | also accepted | required | accepts |")
        out.append("|---|---|---|---|---|")
        for c in kind.columns:
            also = ", ".join(c.aliases)
            need = "yes" if c.required else ""
            out.append(
                f"| `{c.name}` | {c.zh} | {also} | {need} | {getattr(c.parse, 'describe', '')} |"
            )
        out.append("")
    return "\n".join(out)
