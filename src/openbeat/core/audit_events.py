"""Every kind of audit event, named once.

`AuditEvent.action` keeps these strings; staff read them in the log and reviewers filter on
them, so a value never changes once released. Code passes the constant, never the string:
`tests/core/test_audit_events.py` reads every call that writes an audit event and fails on a
string literal, a name not defined here, or a constant nothing uses.
"""

# Sign-in, two-factor and access (core.sessions, core.access, twofactor)
AUTH_LOGIN = "auth.login"
AUTH_LOGIN_FAILED = "auth.login_failed"
AUTH_LOGOUT = "auth.logout"
AUTH_LOCKED_OUT = "auth.locked_out"
AUTH_2FA_ENROLLED = "auth.2fa_enrolled"
AUTH_2FA_ENROL_FAILED = "auth.2fa_enrol_failed"
AUTH_2FA_VERIFIED = "auth.2fa_verified"
AUTH_2FA_FAILED = "auth.2fa_failed"
AUTH_2FA_BACKUP_CODES = "auth.2fa_backup_codes"
AUTH_2FA_RESET = "auth.2fa_reset"
ACCESS_REFUSED = "access.refused"
APIKEY_CREATE = "apikey.create"

# Concerns and their moderation
CONCERN_INTAKE = "concern.intake"
CONCERN_STATUS = "concern.status"
CONCERN_RESPOND = "concern.respond"
CONCERN_NOTE = "concern.note"
CONCERN_ASSIGN = "concern.assign"
CONCERN_RECLASSIFY = "concern.reclassify"
CONCERN_DUPLICATE = "concern.duplicate"
MODERATION_HIDE = "moderation.hide"
MODERATION_SHOW = "moderation.show"

# Retention, legal holds and exports
CONCERN_HOLD = "concern.hold"
CONCERN_HOLD_RELEASED = "concern.hold_released"
CONCERN_ANONYMISED = "concern.anonymised"
RETENTION_RULE = "retention.rule"
RETENTION_CONTACTS_REMOVED = "retention.contacts_removed"
RECORDS_EXPORT = "records.export"

# Events and meetings
EVENT_CREATE = "event.create"
EVENT_UPDATE = "event.update"
OCCURRENCE_RECORD = "occurrence.record"
OCCURRENCE_CANCEL = "occurrence.cancel"
OCCURRENCE_MOVE = "occurrence.move"
RSVP_CHECK_IN = "rsvp.check_in"
RSVP_UNDO_CHECK_IN = "rsvp.undo_check_in"

# Questions to a meeting
QUESTION_HIDE = "question.hide"
QUESTION_SHOW = "question.show"
QUESTION_MERGE = "question.merge"
QUESTION_ANSWER = "question.answer"
QUESTION_CONCERN = "question.concern"
QUESTION_PROBLEM = "question.problem"

# Announcements
ANNOUNCEMENT_CREATE = "announcement.create"
ANNOUNCEMENT_UPDATE = "announcement.update"
ANNOUNCEMENT_SCHEDULE = "announcement.schedule"
ANNOUNCEMENT_PUBLISH = "announcement.publish"
ANNOUNCEMENT_WITHDRAW = "announcement.withdraw"

# Problems (SARA)
PROBLEM_CREATE = "problem.create"
PROBLEM_ANALYSIS = "problem.analysis"
PROBLEM_LINK = "problem.link"
PROBLEM_MEETING = "problem.meeting"
PROBLEM_PHASE = "problem.phase"
PROBLEM_ACTION_CREATE = "problem.action.create"
PROBLEM_ACTION_STATUS = "problem.action.status"
PROBLEM_MEASURE = "problem.measure"

# Volunteer projects
PROJECT_CREATE = "project.create"
PROJECT_UPDATE = "project.update"
PROJECT_ROLE_CREATE = "project.role.create"
PROJECT_SHIFT_CREATE = "project.shift.create"
PROJECT_SHIFT_CHANGE = "project.shift.change"
PROJECT_SHIFT_CANCEL = "project.shift.cancel"
PROJECT_HOURS = "project.hours"

# The admin records its own saves as "<model>.<verb>", for whichever model it edits.
ADMIN_CREATE = "create"
ADMIN_UPDATE = "update"
ADMIN_DELETE = "delete"


def admin_change(model_name: str, verb: str) -> str:
    """The event of an admin save: `admin_change("agency", ADMIN_UPDATE)` is "agency.update"."""
    return f"{model_name}.{verb}"
