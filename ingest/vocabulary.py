"""The curated vocabularies of data/ (stages, head types and aliases, model families), loaded
and checked once, so a maintainer's typo in a YAML file is reported, not crashed on."""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import yaml

from headkg.schema.exceptions import SourceError
from headkg.schema.graph import ModelFamily, Stage
from headkg.schema.names import NameIndex, head_key, slugify


def _data_dir() -> Path:
    """The installed `headkg.data` package (in an editable install, the checkout's data/)."""
    return Path(str(resources.files("headkg.data") / "heads.yaml")).parent


DEFAULT_DATA_DIR = _data_dir()
LIST_VOCABULARY = ".headkg/vocabulary.yaml"  # the list's own vocabulary, in its checkout (ingest.list_vocabulary)

RGB = tuple[int, int, int]


@dataclass(frozen=True)
class CuratedHead:
    """A head type a vocabulary declares: headkg's data/heads.yaml or the list's own file."""

    slug: str
    name: str
    aliases: tuple[str, ...] = ()
    description: str = ""
    stage: str | None = None  # only the list's own vocabulary places heads; else the taxonomy does
    sub_category: str | None = None
    origin: str = "data/heads.yaml"  # where it is declared (file, or file:line)


@dataclass
class Vocabulary:
    """Stages, head types and model families as maintainers curate them in data/*.yaml."""

    stages: list[Stage]
    heads: list[CuratedHead]
    models: list[ModelFamily]
    stage_colors: dict[str, RGB] = field(default_factory=dict)  # for graph exports

    def __post_init__(self) -> None:
        self.head_by_slug = {h.slug: h for h in self.heads}
        self.head_index = NameIndex(
            ((spelling, h.slug) for h in self.heads for spelling in (h.name, *h.aliases)),
            {h.slug: h.name for h in self.heads},
        )
        self.stage_codes = [s.code for s in self.stages]  # in the survey's order
        self.stage_names = {s.code: s.name for s in self.stages}
        self.model_slugs = [m.slug for m in self.models]

    @classmethod
    def load(cls, data_dir: Path | None = None) -> Vocabulary:
        """Read and validate data/stages.yaml, data/heads.yaml and data/model_families.yaml."""
        folder = data_dir or DEFAULT_DATA_DIR
        stages_raw = _read_list(folder / "stages.yaml")
        heads_raw = _read_list(folder / "heads.yaml")
        models_raw = _read_list(folder / "model_families.yaml")
        stages = [
            Stage(code=str(s["code"]), name=str(s["name"]), description=str(s.get("description", "")), order=i)
            for i, s in enumerate(stages_raw)
        ]
        colors = {str(s["code"]): _color(s["color"], folder / "stages.yaml") for s in stages_raw if "color" in s}
        heads: list[CuratedHead] = []
        seen_keys: dict[str, str] = {}
        for entry in heads_raw:
            name = str(entry["name"])
            aliases = tuple(str(a) for a in entry.get("aliases") or ())
            head = CuratedHead(slugify(name), name, aliases, str(entry.get("description", "")))
            for spelling in (name, *aliases):
                key = head_key(spelling)
                if key in seen_keys and seen_keys[key] != head.slug:
                    raise SourceError(
                        f"{folder / 'heads.yaml'}: '{spelling}' is a spelling of both "
                        f"'{seen_keys[key]}' and '{head.slug}'; keep it under one head type"
                    )
                seen_keys[key] = head.slug
            heads.append(head)
        models = [
            ModelFamily(
                slug=str(m["slug"]),
                name=str(m["name"]),
                description=str(m.get("description", "")),
                aliases=[str(a) for a in m.get("aliases") or ()],
            )
            for m in models_raw
        ]
        return cls(stages=stages, heads=heads, models=models, stage_colors=colors)


def _color(value: object, path: Path) -> RGB:
    """An RGB colour written as [r, g, b], each 0-255."""
    if isinstance(value, list) and len(value) == 3 and all(isinstance(c, int) and 0 <= c <= 255 for c in value):
        return (value[0], value[1], value[2])
    raise SourceError(f"{path}: colour {value!r} is not [r, g, b] with each 0-255")


def _read_list(path: Path) -> list[dict]:
    try:
        loaded = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise SourceError(f"{path}: cannot read the vocabulary ({exc})") from exc
    if not isinstance(loaded, list) or not all(isinstance(e, dict) for e in loaded):
        raise SourceError(f"{path}: expected a YAML list of mappings")
    for entry in loaded:
        if "name" not in entry and "code" not in entry and "slug" not in entry:
            raise SourceError(f"{path}: entry {entry!r} has no name")
    return loaded
