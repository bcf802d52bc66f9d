"""The shape every action shares, read from the source of each app's actions.py: the staff member
(or API key) an action acts for is the keyword-only `acting_user`, so no call can pass the wrong
person by position, and no action names that person any other way."""

import ast
import pathlib

import openbeat

SRC = pathlib.Path(openbeat.__file__).resolve().parent
# Names that mean "the person doing this" in a signature; each must be `acting_user`.
ACTOR_NAMES = {"actor", "admin", "acting_user", "staff", "officer_acting", "by"}
# Public actions whose `user` is the account acted on, not the one acting: a person's own
# two-factor sign-in, where no staff member acts for them.
SUBJECT_USER = {
    "twofactor/actions.py": {
        "pending_authenticator",
        "confirm_authenticator",
        "verify",
        "new_backup_codes",
    },
}


def _public_actions():
    for path in sorted(SRC.glob("*/actions.py")):
        tree = ast.parse(path.read_text(), filename=str(path))
        for node in tree.body:
            if isinstance(node, ast.FunctionDef) and not node.name.startswith("_"):
                yield str(path.relative_to(SRC)), node


def _problems(where, function):
    args = function.args
    positional = [a.arg for a in args.posonlyargs + args.args]
    keyword_only = [a.arg for a in args.kwonlyargs]
    problems = [
        f"{where}:{function.name}: '{name}' is positional; take it as `*, acting_user`"
        for name in positional
        if name in ACTOR_NAMES
    ]
    problems += [
        f"{where}:{function.name}: '{name}' names the acting person; call it `acting_user`"
        for name in keyword_only
        if name in ACTOR_NAMES - {"acting_user"}
    ]
    if "user" in positional + keyword_only and function.name not in SUBJECT_USER.get(where, ()):
        problems.append(f"{where}:{function.name}: 'user' is ambiguous; use `acting_user`")
    return problems


def test_every_action_takes_the_acting_user_keyword_only():
    actions = list(_public_actions())
    assert len(actions) >= 80, "the scan no longer finds the actions"
    taking = [f for _where, f in actions if "acting_user" in [a.arg for a in f.args.kwonlyargs]]
    assert len(taking) >= 35
    assert [p for where, function in actions for p in _problems(where, function)] == []


def test_the_rule_catches_an_actor_by_position_and_by_another_name():
    for source in (
        "def assign(actor, concern): ...",
        "def assign(concern, *, actor): ...",
        "def assign(concern, acting_user): ...",
        "def assign(concern, user): ...",
    ):
        function = ast.parse(source).body[0]
        assert _problems("concerns/actions.py", function), source
    fine = ast.parse("def assign(concern, assignee, *, acting_user): ...").body[0]
    assert _problems("concerns/actions.py", fine) == []
