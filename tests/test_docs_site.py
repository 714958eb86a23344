"""The documentation site: builds offline with ``-n -W`` (zero warnings), its doctests pass, it
documents every public name, shipped ruleset and CLI command, and it renders in a real headless
browser (Debian's chromium) with no broken links or images."""

from __future__ import annotations

import html.parser
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest

import collectrules

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"

pytest.importorskip("sphinx", reason="the docs extra (sphinx, furo, myst-parser) is in the test extra")


def _sphinx(builder: str, out: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "sphinx", "-n", "-W", "--keep-going", "-q", "-E",
                           "-b", builder, str(DOCS), str(out)],
                          capture_output=True, text=True, cwd=ROOT, timeout=600)


@pytest.fixture(scope="session")
def site(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("docs-html")
    r = _sphinx("html", out)
    assert r.returncode == 0 and "WARNING" not in r.stderr, r.stderr[-4000:]
    return out


def test_html_build_has_zero_warnings(site):
    assert (site / "index.html").is_file()
    assert (site / "calendar.html").is_file()


def test_doctests_pass(tmp_path):
    r = _sphinx("doctest", tmp_path)
    assert r.returncode == 0, (r.stdout + r.stderr)[-4000:]
    report = (tmp_path / "output.txt").read_text(encoding="utf-8")
    summary = report[report.index("Doctest summary"):]
    tests = int(re.search(r"(\d+) tests", summary).group(1))
    assert tests >= 60, summary                               # the pages' examples really ran
    assert re.search(r"\b0 failures in tests", summary), report[-2000:]


def _ids(page: Path) -> set[str]:
    return set(re.findall(r'\bid="([^"]+)"', page.read_text(encoding="utf-8")))


def test_every_public_name_is_in_the_api_reference(site):
    ids = _ids(site / "api.html")
    missing = [n for n in collectrules.__all__ if not n.startswith("__") and f"collectrules.{n}" not in ids]
    assert not missing, f"not documented in docs/api.rst: {missing}"


def test_every_shipped_ruleset_is_in_the_catalogue(site):
    shipped = [r.id for r in collectrules.load_policy().rulesets]
    assert len(shipped) >= 20
    pages = {p.name: p.read_text(encoding="utf-8") for p in (site / "catalogue").glob("*.html")}
    text = "\n".join(pages.values())
    missing = [rid for rid in shipped if f"<span class=\"pre\">{rid}</span>" not in text]
    assert not missing, f"not in the catalogue: {missing}"
    # the ruleset id is a heading, not repeated on every row
    ma = pages["us-ma.html"]
    assert ma.count('<span class="pre">us-ma</span>') <= 3
    # values from the source are on the page (209 CMR 18.16(1)(a): after 8 a.m., before 9 p.m.)
    assert "209 CMR 18.16(1)(a)" in ma and "08:00-21:00" in ma


def test_every_cli_command_is_in_the_cli_reference(site):
    import click

    from collectrules.cli import main

    text = (site / "cli.html").read_text(encoding="utf-8")
    names: list[str] = []

    def walk(group, ctx, path):
        for name in group.list_commands(ctx):
            cmd = group.get_command(ctx, name)
            names.append(" ".join(path + [name]))
            if isinstance(cmd, click.Group):
                with click.Context(cmd, info_name=name, parent=ctx) as sub:
                    walk(cmd, sub, path + [name])

    with click.Context(main, info_name="collectrules") as ctx:
        walk(main, ctx, ["collectrules"])
    assert "collectrules calendar" in names
    missing = [n for n in names if f"cli-{'-'.join(n.split()[1:])}" not in _ids(site / "cli.html")]
    assert not missing, f"not in the CLI reference: {missing}"
    # help text is shown as plain text, not highlighted as Python
    assert 'class="highlight-python' not in text and 'class="highlight-default' not in text
    assert 'class="highlight-text' in text


def test_api_reference_reads_cleanly(site):
    api = (site / "api.html").read_text(encoding="utf-8")
    assert "AfterValidator" not in api and "func=" not in api
    # Policy.check: its parameters once (the signature), not again as a typed field list
    sec = api[api.index('id="collectrules.Policy.check"'):]
    sec = sec[:sec.index('id="collectrules.Policy.next_allowed"')]
    assert sec.count("Return type") == 0 and sec.count(">Parameters<") <= 1


class _Links(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.refs: list[tuple[str, str]] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        for key in ("href", "src"):
            if a.get(key) and tag in ("a", "img", "link", "script", "image", "use"):
                self.refs.append((tag, a[key]))


def test_no_broken_internal_links_or_images(site):
    broken = []
    pages = list(site.rglob("*.html"))
    ids = {p: _ids(p) for p in pages}
    for page in pages:
        parser = _Links()
        parser.feed(page.read_text(encoding="utf-8"))
        for tag, ref in parser.refs:
            u = urlparse(ref)
            if u.scheme or ref.startswith("//") or ref.startswith("mailto:"):
                continue
            target = (page.parent / unquote(u.path)).resolve() if u.path else page
            if not target.exists():
                broken.append(f"{page.relative_to(site)}: {tag} {ref}")
            elif u.fragment and target.suffix == ".html" and unquote(u.fragment) not in ids.get(target, _ids(target)):
                broken.append(f"{page.relative_to(site)}: {tag} {ref} (no such anchor)")
    assert not broken, "\n".join(broken[:30])


def test_the_calendar_picture_is_generated_by_the_library(site):
    svg = (site / "_images" / "boston-week.svg")
    assert svg.is_file()
    text = svg.read_text(encoding="utf-8")
    # 3 channels x 7 days x 24 slots, each a real check; the deciding rules are named
    assert text.count("data-state=") == 3 * 7 * 24
    assert "us-ma/ma-collector-time" in text and "us-federal/regf-inconvenient-time" in text
    assert "209 CMR 18.16(1)(d)" in text


CHROMIUM = shutil.which("chromium") or ("/usr/bin/chromium" if os.path.exists("/usr/bin/chromium") else None)
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]

_PROBE = """<script>
window.addEventListener("load", function () {
  var imgs = Array.prototype.slice.call(document.images);
  var broken = imgs.filter(function (i) { return !i.complete || i.naturalWidth === 0; })
                   .map(function (i) { return i.getAttribute("src"); });
  var main = document.querySelector("article") || document.body;
  // a table fits when it needs no horizontal scrolling and stays inside the text column
  var wide = Array.prototype.slice.call(document.querySelectorAll("table.catalogue"))
      .filter(function (t) {
        var w = t.parentElement;
        return w.scrollWidth > w.clientWidth + 1 ||
               t.getBoundingClientRect().right > main.getBoundingClientRect().right + 4;
      }).length;
  var out = {images: imgs.length, broken: broken, wide_tables: wide,
             title: document.title, styled: getComputedStyle(document.body).fontFamily.length > 0};
  document.body.setAttribute("data-probe", JSON.stringify(out));
});
</script>"""


def _chromium(args: list[str], timeout: int = 120) -> subprocess.CompletedProcess:
    with tempfile.TemporaryDirectory() as profile:
        return subprocess.run([CHROMIUM, *FLAGS, f"--user-data-dir={profile}", *args],
                              capture_output=True, text=True, timeout=timeout)


@pytest.mark.parametrize("page", ["index.html", "catalogue/us-ma.html", "calendar.html"])
def test_pages_render_in_headless_chromium(site, page):
    if not CHROMIUM:
        pytest.skip("NO BROWSER: Debian's chromium is not installed (.ci/run installs it); "
                    "the rendered pages were NOT checked")
    src = site / page
    probe = src.with_name(src.stem + ".probe.html")
    probe.write_text(src.read_text(encoding="utf-8").replace("</body>", _PROBE + "</body>"), encoding="utf-8")
    r = _chromium(["--virtual-time-budget=10000", "--window-size=1280,1000", "--dump-dom", probe.as_uri()])
    m = re.search(r'data-probe="([^"]*)"', r.stdout)
    assert m, f"chromium gave no result (rc {r.returncode}): {r.stderr[-1500:]}"
    result = json.loads(html.unescape(m.group(1)))
    assert result["broken"] == [], result
    assert result["wide_tables"] == 0, result
    if page in ("index.html", "calendar.html"):
        assert result["images"] >= 1, result                  # the calendar picture is there
    shot = site / (src.stem + ".png")
    r = _chromium(["--window-size=1280,1400", f"--screenshot={shot}", src.as_uri()])
    assert shot.is_file() and shot.stat().st_size > 10_000, r.stderr[-1500:]
