"""The importable kinds, one module each (its columns, checks and writer, and KIND), and KINDS:
the registry by name the importer, the exporter and the tests read (the CLI reads its names,
vocab.IMPORT_KINDS)."""

from __future__ import annotations

from importlib import import_module

from data_loaders.importers.core import Kind
from data_loaders.vocab import IMPORT_KINDS

# name -> Kind, in import order: the module of each name in vocab.IMPORT_KINDS.
KINDS: dict[str, Kind] = {
    name: import_module(f"{__name__}.{name.replace('-', '_')}").KIND for name in IMPORT_KINDS
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
