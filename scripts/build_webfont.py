"""Build the app's CJK web font (WOFF2 slices) from the vendored OTF, offline, reproducibly.

    .venv/bin/python scripts/build_webfont.py            # rebuild and rewrite the outputs
    .venv/bin/python scripts/build_webfont.py --check    # exit 1 when the committed files are stale

The pages must show Chinese on a machine with no CJK font installed (a wall-display box, a
fresh Linux laptop), so the app serves its own font. The source is the OTF vendored for the
PDFs in ``data/fonts/`` (Noto Sans CJK SC, SIL OFL; the fullest ``*.otf`` there is used, so a
GB 18030 build dropped in later is picked up by the next run). fontTools subsets it into:

* ``huxiao-sc-core.woff2`` — what nearly every page needs and the browser fetches first:
  ASCII and Latin-1, general and CJK punctuation, full-width forms, every character of
  GB 2312 (levels 1 and 2: 6 763 hanzi, the common set of GB 18030), and every non-ASCII
  character in the app's own strings (``app.py``, ``pages/``, ``gis/``) and in the names of
  the bundled OSM extracts (``data/osm/*.osm.bz2``);
* ``huxiao-sc-NN.woff2`` — the rest of the OTF's characters (with the full face: the rest of
  GB 18030-2005's hanzi, CJK Ext-A and the Ext-B characters Noto carries — rare hanzi in place
  and person names), in slices of about ``SLICE`` characters, each declared with a
  ``unicode-range`` so a browser downloads a slice only when a page shows one of its
  characters.

Outputs (all under ``gis/ui/static/fonts/``, served at ``/app/static/fonts/``): the WOFF2
files, ``fonts.css`` (``@font-face`` rules for the map frames and any HTML we write) and
``manifest.json`` (sizes, counts, source, sha256). The same faces are declared for the
Streamlit pages in ``.streamlit/config.toml`` (``[[theme.fontFaces]]``, between marker
lines that this script rewrites).

The build is deterministic: the same OTF and the same strings give byte-identical files
(no timestamps; sorted inputs).
"""

from __future__ import annotations

import argparse
import bz2
import contextlib
import hashlib
import io
import json
import re
import sys
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTFont

ROOT = Path(__file__).resolve().parent.parent
FONT_DIR = ROOT / "data" / "fonts"
OUT_DIR = ROOT / "gis" / "ui" / "static" / "fonts"
STREAMLIT_CONFIG = ROOT / ".streamlit" / "config.toml"
FAMILY = "Huxiao Sans SC"
URL_PREFIX = "app/static/fonts"  # Streamlit's static route, relative to the page's base path
SLICE = 2000
SUPPLEMENTARY = 0x20000  # CJK Ext-B and beyond
BEGIN = "# >>> web font faces: written by scripts/build_webfont.py, do not edit by hand"
END = "# <<< web font faces"
# OpenType features the web text uses (horizontal Chinese + Latin); the OTF's vertical and
# Japanese/traditional alternates only add glyphs.
LAYOUT_FEATURES = ["ccmp", "locl", "kern", "liga", "calt", "mark", "mkmk", "palt", "halt"]

BASE_RANGES = (
    (0x20, 0x7E),      # ASCII
    (0xA0, 0xFF),      # Latin-1
    (0x2000, 0x206F),  # general punctuation (— … ‘ ’ “ ”)
    (0x2100, 0x214F),  # letterlike (℃ №)
    (0x2190, 0x21FF),  # arrows
    (0x2460, 0x24FF),  # enclosed numbers ①
    (0x25A0, 0x25FF),  # shapes ■ ● ▲
    (0x3000, 0x303F),  # CJK symbols and punctuation (、。《》「」)
    (0xFF00, 0xFFEF),  # full-width forms (，：（）)
)


def source_font() -> Path:
    """The fullest OTF vendored in ``data/fonts`` (largest cmap; name breaks ties)."""
    candidates = sorted(FONT_DIR.glob("*.otf"))
    if not candidates:
        raise SystemExit(f"no .otf in {FONT_DIR}")

    def size(path: Path) -> int:
        return len(TTFont(path, lazy=True).getBestCmap())

    return max(candidates, key=lambda p: (size(p), p.name))


def gb2312_chars() -> set[int]:
    out = set()
    for hi in range(0xA1, 0xF8):
        for lo in range(0xA1, 0xFF):
            with contextlib.suppress(UnicodeDecodeError):
                out.add(ord(bytes((hi, lo)).decode("gb2312")))
    return out


def source_strings() -> set[int]:
    """Non-ASCII characters in the app's code, config and page strings."""
    files = [ROOT / "app.py", *sorted((ROOT / "pages").glob("*.py")),
             *sorted((ROOT / "gis").rglob("*.py")), *sorted((ROOT / "gis").rglob("*.toml"))]
    chars: set[int] = set()
    for path in files:
        chars |= {ord(c) for c in path.read_text(encoding="utf-8") if ord(c) > 0x7F}
    return chars


def osm_names() -> set[int]:
    """Characters of every tag value in the bundled OSM extracts (names, addresses)."""
    chars: set[int] = set()
    for path in sorted((ROOT / "data" / "osm").glob("*.osm.bz2")):
        text = bz2.decompress(path.read_bytes()).decode("utf-8")
        for value in re.findall(r'<tag k="[^"]*" v="([^"]*)"', text):
            chars |= {ord(c) for c in value if ord(c) > 0x7F}
    return chars


def to_ranges(codes: list[int]) -> list[tuple[int, int]]:
    ranges: list[tuple[int, int]] = []
    for c in sorted(codes):
        if ranges and c == ranges[-1][1] + 1:
            ranges[-1] = (ranges[-1][0], c)
        else:
            ranges.append((c, c))
    return ranges


def unicode_range(codes: list[int], *, fill: frozenset[int] = frozenset()) -> str:
    """CSS ``unicode-range`` of ``codes``; two runs are joined when every code point between
    them is in ``fill`` (the core's characters), which keeps the descriptor short.

    Joining over core characters is safe: the core face is declared last, Chromium looks
    there first for a character and fetches no slice for what the core has (checked by
    tests/test_app_webfont.py). Characters no face has fall inside a range only beyond the
    BMP (Ext-B …, where Noto carries a sparse selection): at worst one needless slice fetch.
    """
    joined: list[tuple[int, int]] = []
    for a, b in to_ranges(codes):
        if joined and all(c in fill or c >= SUPPLEMENTARY for c in range(joined[-1][1] + 1, a)):
            joined[-1] = (joined[-1][0], b)
        else:
            joined.append((a, b))
    return ", ".join(f"U+{a:X}" if a == b else f"U+{a:X}-{b:X}" for a, b in joined)


def build_slice(src: Path, codes: list[int]) -> bytes:
    opts = subset.Options()
    opts.flavor = "woff2"
    opts.layout_features = LAYOUT_FEATURES
    opts.hinting = False
    opts.desubroutinize = True  # smaller after WOFF2's brotli
    opts.name_IDs = [0, 1, 2, 3, 4, 5, 6, 13, 14]  # keep copyright and the OFL licence fields
    opts.notdef_outline = True
    font = subset.load_font(str(src), opts, lazy=False)
    font.recalcTimestamp = False
    sub = subset.Subsetter(opts)
    sub.populate(unicodes=codes)
    sub.subset(font)
    buf = io.BytesIO()
    subset.save_font(font, buf, opts)
    return buf.getvalue()


def plan(src: Path) -> list[tuple[str, list[int], bool]]:
    """``(file name, code points, restricted by unicode-range)`` per slice, core first."""
    have = set(TTFont(src, lazy=True).getBestCmap())
    wanted = set().union(*(range(a, b + 1) for a, b in BASE_RANGES))
    wanted |= gb2312_chars() | source_strings() | osm_names()
    core = sorted(wanted & have)
    rest = sorted(have - set(core) - set(range(0x80)))
    slices: list[tuple[str, list[int], bool]] = [("huxiao-sc-core.woff2", core, False)]
    for i in range(0, len(rest), SLICE):
        slices.append((f"huxiao-sc-{i // SLICE + 1:02d}.woff2", rest[i:i + SLICE], True))
    return slices


def css(slices: list[tuple[str, list[int], bool]], *, prefix: str) -> str:
    rules = [f"/* {FAMILY}: Noto Sans CJK SC subsets (SIL OFL 1.1), built by scripts/build_webfont.py */"]
    # The core is declared last: Chromium looks at the last matching face first, so a
    # character the core has never makes it fetch a slice whose (joined) range includes it.
    fill = frozenset(slices[0][1])
    for name, codes, restricted in slices[1:] + slices[:1]:
        rng = f"\n  unicode-range: {unicode_range(codes, fill=fill)};" if restricted else ""
        rules.append(f'@font-face {{\n  font-family: "{FAMILY}";\n  src: url("{prefix}/{name}") format("woff2");\n'
                     f"  font-style: normal;\n  font-display: swap;{rng}\n}}")
    return "\n".join(rules) + "\n"


def streamlit_block(slices: list[tuple[str, list[int], bool]]) -> str:
    lines = [BEGIN]
    fill = frozenset(slices[0][1])
    for name, codes, restricted in slices[1:] + slices[:1]:
        lines += ["[[theme.fontFaces]]", f'family = "{FAMILY}"', f'url = "{URL_PREFIX}/{name}"']
        if restricted:
            lines.append(f'unicodeRange = "{unicode_range(codes, fill=fill)}"')
    lines.append(END)
    return "\n".join(lines) + "\n"


def with_block(config: str, block: str) -> str:
    if BEGIN in config:
        head, _, tail = config.partition(BEGIN)
        _, _, tail = tail.partition(END + "\n")
        return head + block + tail
    return config.rstrip("\n") + "\n\n" + block


def outputs() -> dict[Path, bytes]:
    src = source_font()
    slices = plan(src)
    files: dict[Path, bytes] = {}
    manifest = {"family": FAMILY, "source": f"data/fonts/{src.name}",
                "source_sha256": hashlib.sha256(src.read_bytes()).hexdigest(), "files": []}
    for name, codes, restricted in slices:
        data = build_slice(src, codes)
        files[OUT_DIR / name] = data
        hanzi = sum(1 for c in codes if 0x3400 <= c <= 0x9FFF or 0xF900 <= c <= 0xFAFF or c >= 0x20000)
        manifest["files"].append({"file": name, "bytes": len(data), "code_points": len(codes), "hanzi": hanzi,
                                  "unicode_range": restricted,
                                  "sha256": hashlib.sha256(data).hexdigest()})
    files[OUT_DIR / "fonts.css"] = css(slices, prefix=".").encode()
    files[OUT_DIR / "manifest.json"] = (json.dumps(manifest, ensure_ascii=False, indent=1) + "\n").encode()
    config = STREAMLIT_CONFIG.read_text(encoding="utf-8")
    files[STREAMLIT_CONFIG] = with_block(config, streamlit_block(slices)).encode()
    return files


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only compare with the committed files")
    args = parser.parse_args(argv)
    files = outputs()
    stale = [p for p, data in files.items() if not p.is_file() or p.read_bytes() != data]
    old = {p for p in OUT_DIR.glob("huxiao-sc-*.woff2")} - set(files)
    if args.check:
        for p in sorted(stale) + sorted(old):
            print(f"stale: {p.relative_to(ROOT)}", file=sys.stderr)
        return 1 if stale or old else 0
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    for p in old:
        p.unlink()
    for p, data in files.items():
        p.write_bytes(data)
    manifest = json.loads(files[OUT_DIR / "manifest.json"])
    for f in manifest["files"]:
        print(f"{f['file']}: {f['bytes'] / 1024:.0f} kB, {f['code_points']} code points, {f['hanzi']} hanzi")
    return 0


if __name__ == "__main__":
    sys.exit(main())
