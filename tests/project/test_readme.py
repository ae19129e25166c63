"""README's "Where things live" names every package and every path it lists exists (issue 15)."""

from __future__ import annotations

import re
import subprocess

from support import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")


def layout_rows() -> dict[str, str]:
    """The table under "## Where things live": first-column path -> description."""
    section = README.split("## Where things live", 1)[1].split("\n## ", 1)[0]
    rows = {}
    for line in section.splitlines():
        match = re.match(r"\| `([^`]+)` \| (.+) \|$", line)
        if match:
            rows[match.group(1)] = match.group(2)
    return rows


def test_the_layout_table_is_not_empty():
    assert len(layout_rows()) >= 10


def test_every_listed_path_exists():
    missing = [path for path in layout_rows() if not (ROOT / path).exists()]
    assert missing == [], f"README lists paths that do not exist: {missing}"


def test_every_server_package_is_listed():
    packages = sorted(f"server/{p.parent.name}/" for p in (ROOT / "server").glob("*/__init__.py"))
    unlisted = [p for p in packages if p not in layout_rows()]
    assert unlisted == [], f"server packages missing from README's layout table: {unlisted}"


def test_every_module_a_package_row_names_exists():
    """The modules named in a package's row (`name` words) are modules or folders of it."""
    wrong = []
    for path, text in layout_rows().items():
        if not (path.startswith("server/") and path.endswith("/")):
            continue
        for name in re.findall(r"^`([a-z_]+)`|[,(:] `([a-z_]+)`", text):
            name = next(n for n in name if n)
            if name in {"ictkg"}:
                continue
            if not ((ROOT / path / f"{name}.py").exists() or (ROOT / path / name).is_dir()):
                wrong.append(f"{path}{name}")
    assert wrong == [], f"README names modules that do not exist: {wrong}"


def test_every_top_level_folder_is_listed():
    tracked = subprocess.run(
        ["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    folders = sorted({f.split("/", 1)[0] for f in tracked if "/" in f and not f.startswith(".")})
    listed = {p.split("/", 1)[0] for p in layout_rows()}
    unlisted = [f for f in folders if f not in listed]
    assert unlisted == [], f"top-level folders missing from README's layout table: {unlisted}"


def test_licence_files_exist_and_are_named_in_the_readme():
    for name in ("LICENSE", "LICENSE-DATA"):
        assert (ROOT / name).is_file()
        assert f"]({name})" in README


def test_tests_mirror_the_packages():
    """Each package of server/ has its folder of tests, and no test module lies at the top."""
    packages = {p.parent.name for p in (ROOT / "server").glob("*/__init__.py")}
    folders = {p.name for p in (ROOT / "tests").iterdir() if any(p.glob("test_*.py"))}
    assert packages - folders == set(), f"packages without tests: {sorted(packages - folders)}"
    assert sorted(p.name for p in (ROOT / "tests").glob("test_*.py")) == []


def test_the_kinds_listed_are_the_kinds_the_data_has() -> None:
    """README, "URIs": every ``/id/{kind}/…`` of the data is a kind the list names, and back."""
    listed = set(re.findall(r"`([a-z]+)`", README.split("\nKinds: ", 1)[1].split(". Slugs", 1)[0]))
    used = set()
    for path in (ROOT / "data").rglob("*.ttl"):
        used |= set(re.findall(r"belarus-ict/id/([a-z-]+)/", path.read_text(encoding="utf-8")))
    assert listed == used
