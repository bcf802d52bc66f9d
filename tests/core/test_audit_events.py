"""Audit event types are named once, in openbeat.core.audit_events: read from the source, every
call that writes an audit event passes one of its constants, and every constant is used."""

import ast
import pathlib

from openbeat.core import audit_events

SRC = pathlib.Path(audit_events.__file__).resolve().parents[1]
# The helpers that write an AuditEvent with the type they are given: their callers are checked,
# and inside them the parameter itself is the type.
WRITERS = {"record", "_log"}

CONSTANTS = {
    name: value
    for name, value in vars(audit_events).items()
    if name.isupper() and isinstance(value, str)
}


def _modules():
    for path in sorted(SRC.rglob("*.py")):
        if "migrations" not in path.parts and path.name != "audit_events.py":
            yield path, ast.parse(path.read_text(), filename=str(path))


def _event_type_argument(call):
    """The argument that names the event type when `call` writes an audit event, else None."""
    func = call.func
    name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
    owner = ast.unparse(func.value) if isinstance(func, ast.Attribute) else ""
    keyword = next((k.value for k in call.keywords if k.arg == "action"), None)
    if name == "record" and owner in ("audit", ""):
        return call.args[1] if len(call.args) > 1 else keyword
    if name == "_log":
        return call.args[0] if call.args else keyword
    if (name == "create" and owner.endswith("AuditEvent.objects")) or name == "AuditEvent":
        return keyword
    return None


def _problems(argument, function):
    """Why `argument` is not a named event type (an empty list when it is one)."""
    if isinstance(argument, ast.IfExp):
        return _problems(argument.body, function) + _problems(argument.orelse, function)
    if (
        isinstance(argument, ast.Attribute)
        and isinstance(argument.value, ast.Name)
        and argument.value.id == "audit_events"
    ):
        return (
            [] if argument.attr in CONSTANTS else [f"audit_events.{argument.attr} is not defined"]
        )
    if (
        isinstance(argument, ast.Call)
        and ast.unparse(argument.func) == "audit_events.admin_change"
        and len(argument.args) == 2
    ):
        return _problems(argument.args[1], function)
    if isinstance(argument, ast.Name) and function is not None and function.name in WRITERS:
        parameters = [a.arg for a in function.args.args + function.args.kwonlyargs]
        if argument.id in parameters:
            return []
    return [f"{ast.unparse(argument)} is not an audit_events constant"]


def _calls():
    """(place, argument, enclosing function) of every call that writes an audit event."""
    for path, tree in _modules():
        functions = [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)]
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            argument = _event_type_argument(node)
            if argument is None:
                continue
            enclosing = [
                f for f in functions if f.lineno <= node.lineno <= (f.end_lineno or f.lineno)
            ]
            function = max(enclosing, key=lambda f: f.lineno, default=None)
            yield f"{path.relative_to(SRC)}:{node.lineno}", argument, function


def test_every_audit_event_type_is_a_named_constant():
    calls = list(_calls())
    assert len(calls) >= 50, "the scan no longer finds the audit calls; fix _event_type_argument"
    problems = [
        f"{place}: {problem}"
        for place, argument, function in calls
        for problem in _problems(argument, function)
    ]
    assert problems == []


def test_every_constant_is_used_and_names_one_type():
    used = set()
    for _path, tree in _modules():
        used |= {
            node.attr
            for node in ast.walk(tree)
            if isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id == "audit_events"
        }
    assert sorted(set(CONSTANTS) - used) == []
    values = list(CONSTANTS.values())
    assert len(values) == len(set(values))


def test_the_scan_catches_a_string_and_an_unknown_name():
    for source in (
        'audit.record(user, "concern.status", concern)',
        "audit.record(user, audit_events.NO_SUCH_EVENT, concern)",
        'AuditEvent.objects.create(action="auth.login")',
        '_log("auth.2fa_failed" if failed else audit_events.AUTH_2FA_VERIFIED, user)',
    ):
        call = ast.parse(source).body[0].value
        assert _problems(_event_type_argument(call), None), source
