"""Static files: hashed copies built once (`flask assets build`, run by `make setup`), served by WhiteNoise.

`build()` copies every file of static/ (but static/dist/ itself) to static/dist/<dir>/<name>.<hash12>.<ext>, with a
gzip sibling (level 9), and writes static/dist/manifest.json. `init_app()`
makes `url_for('static', filename='css/site.css')` give the hashed copy's URL and puts WhiteNoise in front of the
application: a hashed name is served with far-future caching (`immutable`), precompressed when the browser accepts
it; any other static file with a short cache. A manifest entry whose source has changed since the build is ignored
(logged), so an edited stylesheet is never hidden behind an old copy.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import logging
import re
import shutil
from pathlib import Path

from flask import Flask

DIST = "dist"
MANIFEST = "manifest.json"
HASHED = re.compile(r"\.[0-9a-f]{12}\.[A-Za-z0-9]+$")  # site.0123456789ab.css
COMPRESSED = (".gz", ".br")
log = logging.getLogger("portail.assets")


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:12]


def sources(static: Path) -> list[Path]:
    """The files to publish: everything under static/ except the build output and compressed siblings."""
    return sorted(p for p in static.rglob("*") if p.is_file() and DIST not in p.relative_to(static).parts[:1]
                  and not p.name.startswith(".") and p.suffix not in COMPRESSED)


def build(static: Path) -> dict[str, str]:
    """Write the hashed copies, their compressed siblings and the manifest (source name -> hashed name, relative to
    static/). The previous build is replaced whole."""
    out = static / DIST
    tmp = static / (DIST + ".new")
    shutil.rmtree(tmp, ignore_errors=True)
    manifest = {}
    for path in sources(static):
        rel = path.relative_to(static)
        hashed = rel.with_name(f"{rel.stem}.{digest(path)}{rel.suffix}")
        target = tmp / hashed
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)
        manifest[rel.as_posix()] = f"{DIST}/{hashed.as_posix()}"
        compress(target)
    tmp.mkdir(exist_ok=True)
    (tmp / MANIFEST).write_text(json.dumps(manifest, indent=1, sort_keys=True) + "\n")
    shutil.rmtree(out, ignore_errors=True)
    tmp.rename(out)
    return manifest


def compress(path: Path) -> None:
    """A gzip -9 sibling when it saves space: WhiteNoise serves it to browsers that accept gzip, with the
    Content-Encoding and Vary headers."""
    if path.suffix in (".png", ".jpg", ".jpeg", ".gif", ".webp", ".woff", ".woff2"):
        return
    data = path.read_bytes()
    packed = gzip.compress(data, compresslevel=9, mtime=0)
    if len(packed) < len(data) * 0.95:
        path.with_name(path.name + ".gz").write_bytes(packed)


def load_manifest(static: Path) -> dict[str, str]:
    """The manifest's entries whose source is unchanged since the build (none when nothing was built)."""
    try:
        manifest = json.loads((static / DIST / MANIFEST).read_text())
    except (OSError, ValueError):
        return {}
    fresh = {}
    for name, hashed in manifest.items():
        source, copy = static / name, static / hashed
        if source.is_file() and copy.is_file() and HASHED.search(hashed) and hashed.split(".")[-2] == digest(source):
            fresh[name] = hashed
        else:
            log.warning("static file %s changed since `flask assets build`: served under its own name", name)
    return fresh


def init_app(app: Flask) -> None:
    """Hashed URLs for url_for('static') and WhiteNoise in front of the app (static files never reach Flask)."""
    from whitenoise import WhiteNoise

    static = Path(app.static_folder)
    manifest = load_manifest(static)
    app.extensions["portail_assets"] = manifest

    @app.url_defaults
    def hashed_static(endpoint, values):
        if endpoint == "static" and values.get("filename") in manifest:
            values["filename"] = manifest[values["filename"]]

    app.wsgi_app = WhiteNoise(
        app.wsgi_app,
        root=str(static),
        prefix=app.static_url_path,
        max_age=60 if not app.debug else 0,  # files without a hash in their name: a short cache
        autorefresh=app.debug,
        immutable_file_test=lambda path, url: bool(HASHED.search(url)),
    )


if __name__ == "__main__":  # `python assets.py`: what `make setup` runs (no configuration needed)
    built = build(Path(__file__).resolve().parent / "static")
    print(f"{len(built)} fichiers statiques publiés dans static/{DIST}/.")
