"""The staff side (/staff/): one namespace assembled from each app's staff views."""

from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy

from openbeat.concerns import staff_views as concerns
from openbeat.core.password_reset import PasswordResetView
from openbeat.events import staff_views as events
from openbeat.insights import staff_views as insights
from openbeat.outreach import staff_views as outreach
from openbeat.problems import staff_views as problems
from openbeat.projects import staff_views as projects
from openbeat.retention import views as retention
from openbeat.twofactor import views as two_factor

app_name = "staff"
urlpatterns = [
    path("login/", auth_views.LoginView.as_view(template_name="staff/login.html"), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "password-reset/",
        PasswordResetView.as_view(
            template_name="staff/password_reset.html",
            email_template_name="staff/password_reset_email.txt",
            subject_template_name="staff/password_reset_subject.txt",
            success_url=reverse_lazy("staff:password_reset_done"),
        ),
        name="password_reset",
    ),
    path(
        "password-reset/sent/",
        auth_views.PasswordResetDoneView.as_view(template_name="staff/password_reset_done.html"),
        name="password_reset_done",
    ),
    path(
        "password-reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(
            template_name="staff/password_reset_confirm.html",
            success_url=reverse_lazy("staff:login"),
        ),
        name="password_reset_confirm",
    ),
    path("two-factor/", two_factor.account, name="two_factor"),
    path("two-factor/verify/", two_factor.verify, name="two_factor_verify"),
    path("two-factor/set-up/", two_factor.enrol, name="two_factor_enrol"),
    path("two-factor/backup-codes/", two_factor.backup_codes, name="two_factor_backup_codes"),
    path("two-factor/reset/<int:user_id>/", two_factor.reset, name="two_factor_reset"),
    path("retention/", retention.settings_page, name="retention"),
    path("records/<slug:slug>/concerns.csv", retention.records_export, name="records_export"),
    path("concerns/<int:pk>/hold/", retention.hold, name="concern_hold"),
    path("concerns/<int:pk>/forget/", retention.forget_for_reporter, name="concern_forget"),
    path("", events.home, name="home"),
    path("meetings/offline-sw.js", events.service_worker, name="service_worker"),
    path("meetings/<int:occurrence_id>/", events.meeting, name="meeting"),
    path("meetings/<int:occurrence_id>/check-in/", events.check_in, name="check_in"),
    path("meetings/<int:occurrence_id>/check-in/code/", events.check_in_code, name="check_in_code"),
    path("meetings/<int:occurrence_id>/record/", events.record, name="record"),
    path("meetings/<int:occurrence_id>/cancel/", events.cancel, name="cancel"),
    path("meetings/<int:occurrence_id>/text/", events.event_text, name="event_text"),
    path("meetings/<int:occurrence_id>/move/", events.move, name="move"),
    path("meetings/<int:occurrence_id>/intake/", concerns.intake, name="intake"),
    path("meetings/<int:occurrence_id>/questions/", events.questions, name="questions"),
    path(
        "meetings/<int:occurrence_id>/questions/<int:question_id>/",
        events.moderate_question,
        name="question_moderate",
    ),
    path("meetings/<int:occurrence_id>/survey-card/", insights.survey_card, name="survey_card"),
    path("insights/", insights.dashboard, name="insights"),
    path("insights/engagement.csv", insights.engagement_csv, name="engagement_csv"),
    path("concerns/", concerns.queue, name="concerns"),
    path("concerns/<int:pk>/", concerns.concern, name="concern"),
    path("concerns/<int:pk>/status/", concerns.set_status, name="concern_status"),
    path("concerns/<int:pk>/respond/", concerns.respond, name="concern_respond"),
    path("concerns/<int:pk>/assign/", concerns.assign, name="concern_assign"),
    path("concerns/<int:pk>/reclassify/", concerns.reclassify, name="concern_reclassify"),
    path("concerns/<int:pk>/duplicate/", concerns.duplicate, name="concern_duplicate"),
    path("concerns/<int:pk>/moderate/", concerns.moderate, name="concern_moderate"),
    path("concerns/photos/<int:pk>.jpg", concerns.photo, name="concern_photo"),
    path("problems/", problems.problem_list, name="problems"),
    path("problems/new/", problems.new, name="problem_new"),
    path("problems/<int:pk>/", problems.detail, name="problem"),
    path("problems/<int:pk>/analysis/", problems.analysis, name="problem_analysis"),
    path("problems/<int:pk>/phase/", problems.phase, name="problem_phase"),
    path("problems/<int:pk>/actions/", problems.add_action, name="problem_action"),
    path(
        "problems/<int:pk>/actions/<int:action_id>/status/",
        problems.action_status,
        name="problem_action_status",
    ),
    path("problems/<int:pk>/measures/", problems.add_measure, name="problem_measure"),
    path("problems/<int:pk>/link/", problems.link, name="problem_link"),
    path("problems/<int:pk>/meetings/", problems.meeting, name="problem_meeting"),
    path(
        "concerns/<int:concern_id>/problem/",
        problems.link_from_concern,
        name="problem_link_from_concern",
    ),
    path("outreach/", outreach.home, name="outreach"),
    path("outreach/announcements/new/", outreach.new, name="announcement_new"),
    path("outreach/announcements/<int:pk>/", outreach.announcement, name="announcement"),
    path(
        "outreach/announcements/<int:pk>/publish/",
        outreach.publish,
        name="announcement_publish",
    ),
    path(
        "outreach/announcements/<int:pk>/withdraw/",
        outreach.withdraw,
        name="announcement_withdraw",
    ),
    path("outreach/mailings/<int:pk>/", outreach.mailing, name="mailing"),
    path("projects/", projects.project_list, name="projects"),
    path("projects/new/", projects.project_new, name="project_new"),
    path("projects/<int:pk>/", projects.project, name="project"),
    path("projects/<int:pk>/edit/", projects.project_edit, name="project_edit"),
    path("projects/<int:pk>/roles/", projects.project_role, name="project_role"),
    path("projects/<int:pk>/shifts/", projects.project_shift, name="project_shift"),
    path(
        "projects/<int:pk>/shifts/change/",
        projects.project_shift_edit,
        {"form": "change"},
        name="project_shift_change",
    ),
    path(
        "projects/<int:pk>/shifts/cancel/",
        projects.project_shift_edit,
        {"form": "cancel"},
        name="project_shift_cancel",
    ),
    path("projects/<int:pk>/hours/", projects.project_hours, name="project_hours"),
    path("projects/<int:pk>/roster.csv", projects.roster_csv, name="project_roster_csv"),
    path("projects/<int:pk>/hours.csv", projects.hours_csv, name="project_hours_csv"),
]
