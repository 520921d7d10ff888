"""Every control an error message names in the app exists on the page the message names.

``hotspots.errors`` renders a message's options for the app as control labels
(``"Date format" on the Data page``). This walks every such label and finds it among the
widgets of that page's source (views/*.py, the sidebar module), so a renamed or removed
control cannot leave messages pointing at nothing. Keys the code uses without an app control
must render without naming one.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from hotspots.errors import _PLACES, APP_CONTROLS, FIELD_LABELS, FILES, Option, given

ROOT = Path(__file__).resolve().parents[2]
SIDEBAR = ROOT / "src" / "hotspots" / "dashboard" / "sidebar.py"
WIDGETS = {
    "selectbox", "slider", "number_input", "text_input", "checkbox", "toggle", "radio",
    "multiselect", "file_uploader", "select_slider", "date_input", "segmented_control",
    "pills", "text_area",
}  # fmt: skip
_PLACE = re.compile(r"(?:on the (?P<page>[A-Z][\w ]+?) page|in the (?P<sidebar>sidebar))")


def _pages() -> dict[str, Path]:
    """Page title -> its source file, from app.py's PAGES."""
    tree = ast.parse((ROOT / "app.py").read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.AnnAssign) and getattr(node.target, "id", "") == "PAGES":
            rows = ast.literal_eval(node.value)  # type: ignore[arg-type]
            return {title: ROOT / path for _, path, title, _ in rows}
    raise AssertionError("app.py has no PAGES list")


def _widget_labels(path: Path) -> set[str]:
    """Labels of the widgets created in ``path`` (string constants, module constants and
    the FIELD_LABELS the column pickers use)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    constants = {
        target.id: node.value.value
        for node in tree.body
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant)
        for target in node.targets
        if isinstance(target, ast.Name) and isinstance(node.value.value, str)
    }
    wrappers = _widget_wrappers(tree)
    labels: set[str] = set()
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        if isinstance(node.func, ast.Name) and node.func.id in wrappers:
            first = node.args[0] if node.args else None
            if isinstance(first, ast.Constant) and isinstance(first.value, str):
                labels.add(first.value)
            continue
        if not (isinstance(node.func, ast.Attribute) and node.func.attr in WIDGETS):
            continue
        label = (
            node.args[0]
            if node.args
            else next((k.value for k in node.keywords if k.arg == "label"), None)
        )
        if isinstance(label, ast.Constant) and isinstance(label.value, str):
            labels.add(label.value)
        elif isinstance(label, ast.Name) and label.id in constants:
            labels.add(constants[label.id])
        elif isinstance(label, ast.Subscript) and getattr(label.value, "id", "") == "FIELD_LABELS":
            labels.update(FIELD_LABELS.values())
    return labels


def _widget_wrappers(tree: ast.Module) -> set[str]:
    """Functions of the page that pass their first parameter on as a widget's label."""
    wrappers = set()
    for function in tree.body:
        if not (isinstance(function, ast.FunctionDef) and function.args.args):
            continue
        first = function.args.args[0].arg
        for node in ast.walk(function):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in WIDGETS
                and node.args
                and isinstance(node.args[0], ast.Name)
                and node.args[0].id == first
            ):
                wrappers.add(function.name)
    return wrappers


def _with_helpers(page: Path) -> list[Path]:
    """``page`` and the ``hotspots.dashboard`` modules it imports (panels that draw widgets)."""
    tree = ast.parse(page.read_text(encoding="utf-8"))
    helpers = [
        ROOT / "src" / Path(*node.module.split(".")).with_suffix(".py")
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom)
        and node.module
        and node.module.startswith("hotspots.dashboard.")
    ]
    return [page, *(path for path in helpers if path.is_file())]


def _keys_used() -> set[str]:
    """Every option key the library's messages use (Option, given, invalid and friends)."""
    makers = {"Option", "given", "invalid", "positive_number", "whole_number", "_Given"}
    keys: set[str] = set()
    for path in (ROOT / "src" / "hotspots").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and node.args:
                name = getattr(node.func, "id", getattr(node.func, "attr", None))
                first = node.args[0]
                if name in makers and isinstance(first, ast.Constant):
                    keys.add(str(first.value))
    return keys


@pytest.mark.parametrize("key", sorted(APP_CONTROLS))
def test_every_control_a_message_names_exists_on_its_page(key: str) -> None:
    control = APP_CONTROLS[key]
    place = _PLACE.search(control)
    labels = re.findall(r'"([^"]+)"', control)
    if not labels:  # a description ("a sites file that says its CRS"), not a control
        return
    assert place, f"{key}: {control!r} names a control but not its page"
    pages = _pages()
    if place["sidebar"]:
        source = SIDEBAR
    else:
        assert place["page"] in pages, f"{key}: no page {place['page']!r} in app.py"
        source = pages[place["page"]]
    found = set().union(*map(_widget_labels, _with_helpers(source)))
    missing = [label for label in labels if label not in found]
    assert not missing, f"{key}: {missing} are not widget labels of {source.name}"


@pytest.mark.parametrize("place", sorted(_PLACES))
def test_controls_named_by_places_exist_on_some_page(place: str) -> None:
    labels = re.findall(r'"([^"]+)"', _PLACES[place]["app"])
    pages = [path for page in _pages().values() for path in _with_helpers(page)]
    everywhere = set().union(*map(_widget_labels, [*pages, SIDEBAR]))
    assert not [label for label in labels if label not in everywhere]


def test_every_control_entry_is_used_by_some_message() -> None:
    used = _keys_used()
    # Renamed in by reworded(), or built as f"boundary_{argument}" in ingest/boundaries.py.
    aliases = {"buffer_control", "candidates_from", "site_crs", "existing"}
    aliases |= {"boundary_name", "boundary_population"}
    stale = sorted(set(APP_CONTROLS) - used - aliases)
    assert not stale, f"APP_CONTROLS entries no message uses: {stale}"


def test_keys_without_a_control_name_none_in_the_app() -> None:
    unnamed = sorted(_keys_used() - set(APP_CONTROLS) - set(FILES) - set(_PLACES))
    assert len(unnamed) > 20  # the walk found the library's keys
    for key in unnamed:
        for option in (Option(key), Option(key, 5), given(key, 5)):
            text = option.render("app")
            assert '"' not in text and "=" not in text.split(" = ")[0], (key, text)


def test_the_date_format_fix_names_the_data_page_box() -> None:
    from hotspots.ingest.timestamps import DATE_ORDERS

    text = Option("date_format", DATE_ORDERS[0]).render("app")
    assert text == '"Date format" on the Data page (e.g. day-first)'
    assert "Date format" in _widget_labels(_pages()["Data"])


def test_one_argument_of_two_verbs_names_each_verbs_control() -> None:
    # k is the number of sites when planning and the smallest shown number when publishing.
    assert "Plan outreach" in Option("k").render("app")
    assert Option("publish:k").render("app") == '"Never show numbers below" on the Publish page'
    for audience in ("library", "cli"):
        assert Option("publish:k", 5).render(audience) == Option("k", 5).render(audience)
    assert given("publish:k", 2).render("cli") == "--k 2"
    assert given("publish:k", 2).render("library") == "k=2"
