from django.urls import path

from events.views import adverse_events, duplicates, home, patients, review, sessions, sites, vitals

urlpatterns = [
    path("", home.home, name="home"),
    path("patients/", patients.patient_list, name="patient-list"),
    path("patients/new/", patients.patient_new, name="patient-new"),
    path("patients/<int:pk>/", patients.patient_detail, name="patient-detail"),
    path("patients/<int:pk>/edit/", patients.patient_edit, name="patient-edit"),
    path("patients/<int:patient_pk>/sessions/new/", sessions.session_new, name="session-new"),
    path("sessions/<int:pk>/", sessions.session_detail, name="session-detail"),
    path("sessions/<int:pk>/finish/", sessions.session_finish, name="session-finish"),
    path("sessions/<int:pk>/discharge/", sessions.session_discharge, name="session-discharge"),
    path("sessions/<int:pk>/void/", sessions.session_void, name="session-void"),
    path("sessions/<int:session_pk>/vitals/", vitals.vital_sign_new, name="vital-new"),
    path("vitals/<int:pk>/void/", vitals.vital_sign_void_view, name="vital-void"),
    path("sessions/<int:session_pk>/events/new/", adverse_events.event_new, name="event-new"),
    path(
        "suggestions/<int:pk>/confirm/",
        vitals.suggestion_confirm_view,
        name="suggestion-confirm",
    ),
    path(
        "suggestions/<int:pk>/dismiss/",
        vitals.suggestion_dismiss_view,
        name="suggestion-dismiss",
    ),
    path("events/<int:pk>/", review.event_detail, name="event-detail"),
    path("events/<int:pk>/edit/", adverse_events.event_edit, name="event-edit"),
    path("events/<int:pk>/submit/", adverse_events.event_submit, name="event-submit"),
    path("events/<int:pk>/void/", adverse_events.event_void, name="event-void"),
    path("events/<int:pk>/assess/", review.event_assess, name="event-assess"),
    path("events/<int:pk>/sign-off/", review.event_sign_off, name="event-sign-off"),
    path("terms/grades/", adverse_events.term_grades, name="term-grades"),
    path("terms/options/", adverse_events.term_options, name="term-options"),
    path("review/", review.review_queue, name="review-queue"),
    path("duplicates/", duplicates.duplicate_list, name="duplicate-list"),
    path("duplicates/void/", duplicates.duplicate_void, name="duplicate-void"),
    path("duplicates/dismiss/", duplicates.duplicate_dismiss, name="duplicate-dismiss"),
    path("sites/", sites.site_list, name="site-list"),
    path("sites/<int:pk>/thresholds/", sites.site_thresholds, name="site-thresholds"),
]
