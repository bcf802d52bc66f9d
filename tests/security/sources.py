"""Reading our own source: where a kind of code lives, by module and class or function, so a
security test can require a row for each place (a new one fails until it is covered)."""

import ast
import re
from pathlib import Path

import openbeat

# Staff-only code and one-off data changes: no public answer comes from them.
NOT_PUBLIC = re.compile(r"(^|/)(staff_views|staff_forms|admin)\.py$|/migrations/|^demo/")


def _scopes(tree):
    """(first line, last line, qualified name) of every class and function, outer first."""
    found = []

    def visit(node, prefix):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                name = f"{prefix}{child.name}"
                found.append((child.lineno, child.end_lineno, name))
                visit(child, f"{name}.")
            else:
                visit(child, prefix)

    visit(tree, "")
    return found


def sites(pattern):
    """{"module.py:Class.function": its source} of each innermost class or function of the
    public code where a line (not a definition or a comment) matches `pattern`."""
    root = Path(openbeat.__file__).parent
    found = {}
    for path in sorted(root.rglob("*.py")):
        relative = path.relative_to(root).as_posix()
        if NOT_PUBLIC.search(relative):
            continue
        text = path.read_text()
        scopes = _scopes(ast.parse(text))
        lines = text.splitlines()
        for number, line in enumerate(lines, 1):
            if not pattern.search(line) or line.lstrip().startswith(("def ", "#")):
                continue
            inside = [s for s in scopes if s[0] <= number <= s[1]]
            first, last, name = inside[-1] if inside else (1, len(lines), "<module>")
            found[f"{relative}:{name}"] = "\n".join(lines[first - 1 : last])
    return found
