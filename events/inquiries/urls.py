from django.urls import path

from events.inquiries import views

urlpatterns = [
    path("questions/", views.question_list_view, name="question-list"),
    path("events/<int:pk>/questions/", views.question_new, name="question-new"),
    path("questions/<int:pk>/answer/", views.question_answer_view, name="question-answer"),
    path("questions/<int:pk>/resolve/", views.question_resolve_view, name="question-resolve"),
    path("questions/<int:pk>/ask-again/", views.question_ask_again_view, name="question-ask-again"),
    path("questions/<int:pk>/close/", views.question_close_view, name="question-close"),
    path("events/<int:pk>/comments/", views.comment_new, name="comment-new"),
    path("comments/<int:pk>/void/", views.comment_void_view, name="comment-void"),
    path("events/<int:pk>/attachments/", views.attachment_new, name="attachment-new"),
    path("attachments/<int:pk>/download/", views.attachment_download, name="attachment-download"),
]
