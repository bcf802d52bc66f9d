"""Questions sent in before the next community awareness meeting at Smyrna Town Hall: some
+1-ed by neighbours, some answered already, one turned into a concern (issue #17)."""

from openbeat.events import actions
from openbeat.events.models import Occurrence, Question
from openbeat.events.queries import upcoming

NONCE = "demo-question-"

# (text, name shown or "", +1s, answer or "", make it a concern in this category or "")
QUESTIONS = [
    (
        "Cars race down Glenwood Avenue every night after ten. Can there be patrols there?",
        "",
        9,
        "",
        "speeding-traffic",
    ),
    (
        "Can the crosswalk at Main and Commerce Street get a flashing light? Children cross "
        "there on the way to school.",
        "Maria G.",
        7,
        "We have asked the town's Public Works for a flashing beacon; an officer watches the "
        "crossing at school times until it is in.",
        "",
    ),
    (
        "How do I join the neighbourhood watch in Lake Como?",
        "",
        4,
        "Sign up on the Projects page (Neighbourhood watch walks), or see Officer Dunning at "
        "the meeting.",
        "",
    ),
    ("What happens to the concerns we report online? Who reads them?", "", 3, "", ""),
    ("Is there a plan for the dark stretch on Duck Creek Parkway?", "Tom", 2, "", ""),
]


def next_meeting(smyrna):
    """The next community awareness meeting at Smyrna Town Hall."""
    return (
        upcoming(Occurrence.objects.filter(agency=smyrna))
        .filter(event__slug="community-awareness-meeting")
        .first()
    )


def load(smyrna, officer):
    """Ask, +1, answer and file the demo's questions, once."""
    meeting = next_meeting(smyrna)
    if meeting is None or Question.objects.filter(form_nonce__startswith=NONCE).exists():
        return
    for n, (text, name, plus_ones, answer, category) in enumerate(QUESTIONS):
        question, _created = actions.ask_question(
            meeting,
            text,
            name=name,
            show_name=bool(name),
            voter=f"demo-asker-{n}",
            form_nonce=f"{NONCE}{n}",
        )
        for voter in range(plus_ones):
            actions.plus_one(question, f"demo-neighbour-{voter}")
        if answer:
            actions.answer_question(question, answer, acting_user=officer)
        if category:
            actions.question_to_concern(question, category, acting_user=officer)
