"""Dependencies run one way, and a change that breaks the rule fails here.

The rule (docs/architecture.md draws it):

    top      urls, staff_urls, cli, wsgi, settings, site, demo
    entry    views, staff_views, api, feeds, forms, admin, urls, apps, middleware, periodic
             (what the worker's clock calls), and the api, open311 and twofactor packages
    actions  actions, and insights.surveys: they write, audit, and queue side effects
    library  queries, computations, delivery, tasks: the side effects actions queue; a task
             that runs a whole job is defined beside the function it runs; open311.items
             (the stored Open311 items the concerns' actions keep fresh)
    models   models
    helpers  pure functions models use (recurrence rules, tiles, public locations)
    core     openbeat.core (and datadir, formats): imports no domain app

A module imports only from its own rank or below; no import circle, however long, and counting
imports made inside functions; the project's own modules are imported at the top of a module,
except the few listed in LOCAL_IMPORTS with the reason each has to wait.
"""

import ast
import pathlib

import pytest

SRC = pathlib.Path(__file__).resolve().parents[2] / "src"
PACKAGE = SRC / "openbeat"
FRAMEWORK = {"core", "datadir", "formats", "__init__"}
RANKS = {"core": 0, "helpers": 1, "models": 2, "library": 3, "actions": 4, "entry": 5, "top": 6}
HELPERS = {"openbeat.events.recurrence", "openbeat.concerns.tiles", "openbeat.concerns.location"}
ENTRY_NAMES = {
    "views",
    "staff_views",
    "api",
    "feeds",
    "forms",
    "admin",
    "urls",
    "apps",
    "middleware",
    "periodic",
}
TOP = {
    "openbeat.urls",
    "openbeat.staff_urls",
    "openbeat.cli",
    "openbeat.wsgi",
    "openbeat.settings",
}
ENTRY_PACKAGES = {"api", "open311", "site", "twofactor"}
ACTIONS = {"openbeat.insights.surveys"}
# In an entry package, but built from models for the actions that keep it fresh.
LIBRARY = {"openbeat.open311.items"}

# Imports of the project's own modules made inside a function, each with why it must wait.
READY = "an app's ready(): models and signals may be touched only once the registry is full"
LAZY_GEOMETRY = "numpy and h3 stay out of web workers until a hotspot page or run needs them"
LOCAL_IMPORTS = {
    ("openbeat.core.apps", "openbeat.core.dbstats"): READY,
    ("openbeat.core.apps", "openbeat.core.sessions"): READY,
    ("openbeat.insights.apps", "openbeat.insights.dashboards"): READY,
    ("openbeat.concerns.apps", "openbeat.concerns.models"): READY,
    ("openbeat.concerns.apps", "openbeat.core.models"): READY,
    ("openbeat.concerns.apps", "openbeat.open311.items"): READY,
    ("openbeat.hotspots.views", "openbeat.hotspots.compute"): LAZY_GEOMETRY,
    ("openbeat.hotspots.views", "openbeat.hotspots.gistar"): LAZY_GEOMETRY,
    ("openbeat.insights.dashboards", "openbeat.hotspots.compute"): LAZY_GEOMETRY,
}
# The command line chooses the settings and the data folder, and sets Django up, before a module
# that touches models may load; each subcommand loads only what it runs.
LOCAL_IMPORTS_ANYWHERE_IN = {"openbeat.cli"}


def module_name(path):
    parts = path.relative_to(SRC).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def kind(name):
    parts = name.split(".")
    app, leaf = (parts[1] if len(parts) > 1 else ""), parts[-1]
    if name in TOP or app in {"demo", "site"}:
        return "top"
    if app in FRAMEWORK or name == "openbeat":
        return "entry" if leaf in ENTRY_NAMES | {"view_on_site", "context_processors"} else "core"
    if name in HELPERS:
        return "helpers"
    if leaf == "models":
        return "models"
    if leaf == "actions" or name in ACTIONS:
        return "actions"
    if name in LIBRARY:
        return "library"
    if leaf in ENTRY_NAMES or app in ENTRY_PACKAGES:
        return "entry"
    return "library"


def project_modules():
    return {
        module_name(path): path
        for path in PACKAGE.rglob("*.py")
        if "migrations" not in path.parts and "tests" not in path.parts
    }


def imports(path, modules):
    """(line, module imported, made inside a function) for each import of our own modules."""
    tree = ast.parse(path.read_text(), filename=str(path))
    inside = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            inside.update(id(child) for child in ast.walk(node) if child is not node)
    for node in ast.walk(tree):
        targets = []
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            # `from openbeat.core import audit` imports the module openbeat.core.audit.
            targets = [
                f"{node.module}.{alias.name}"
                if f"{node.module}.{alias.name}" in modules
                else node.module
                for alias in node.names
            ]
        for target in targets:
            if target.startswith("openbeat"):
                yield node.lineno, _known(target, modules), id(node) in inside


def _known(target, modules):
    while target not in modules:
        target = target.rsplit(".", 1)[0]
    return target


@pytest.fixture(scope="module")
def graph():
    modules = project_modules()
    return {
        name: [(line, target, local) for line, target, local in imports(path, modules)]
        for name, path in modules.items()
    }


def test_every_module_has_a_rank():
    names = project_modules()
    assert len(names) > 150
    counts = {}
    for name in names:
        counts[kind(name)] = counts.get(kind(name), 0) + 1
    assert set(counts) == set(RANKS), counts


def test_core_imports_no_domain_app(graph):
    wrong = [
        f"{name}:{line} imports {target}"
        for name, edges in graph.items()
        if name.split(".")[1:2] and name.split(".")[1] in FRAMEWORK
        for line, target, _local in edges
        if target.split(".")[1:2] and target.split(".")[1] not in FRAMEWORK
    ]
    assert wrong == []


def test_imports_go_down_the_layers(graph):
    wrong = [
        f"{name}:{line} ({kind(name)}) imports {target} ({kind(target)})"
        for name, edges in graph.items()
        for line, target, _local in edges
        if RANKS[kind(target)] > RANKS[kind(name)]
    ]
    assert wrong == []


def test_no_import_circles(graph):
    circles = [sorted(component) for component in _strongly_connected(graph) if len(component) > 1]
    assert circles == []


def test_own_modules_are_imported_at_the_top(graph):
    local = {
        (name, target)
        for name, edges in graph.items()
        for _line, target, is_local in edges
        if is_local and target != name and name not in LOCAL_IMPORTS_ANYWHERE_IN
    }
    assert sorted(local - set(LOCAL_IMPORTS)) == []
    assert sorted(set(LOCAL_IMPORTS) - local) == [], "listed, but no longer made: remove them"


def _strongly_connected(graph):
    """Tarjan's algorithm over module → imported module."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []
    counter = [0]

    def visit(node):
        index[node] = low[node] = counter[0]
        counter[0] += 1
        stack.append(node)
        on_stack.add(node)
        for _line, target, _local in graph.get(node, []):
            if target == node:
                continue
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            found.append(component)

    for node in graph:
        if node not in index:
            visit(node)
    return found
