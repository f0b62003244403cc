"""Routes of the questions, comments and attachments API, joined to /api/v1/ by
`events.api.urls` (namespace `api`)."""

from django.urls import path

from events.inquiries.api import views

urlpatterns = [
    path("questions/", views.QuestionListCreateApi.as_view(), name="question-list"),
    path("questions/<int:pk>/", views.QuestionDetailApi.as_view(), name="question-detail"),
    path("questions/<int:pk>/answer/", views.QuestionAnswerApi.as_view(), name="question-answer"),
    path(
        "questions/<int:pk>/resolve/", views.QuestionResolveApi.as_view(), name="question-resolve"
    ),
    path(
        "questions/<int:pk>/ask-again/",
        views.QuestionAskAgainApi.as_view(),
        name="question-ask-again",
    ),
    path("questions/<int:pk>/close/", views.QuestionCloseApi.as_view(), name="question-close"),
    path("comments/", views.CommentListCreateApi.as_view(), name="comment-list"),
    path("comments/<int:pk>/void/", views.CommentVoidApi.as_view(), name="comment-void"),
    path("attachments/", views.AttachmentListCreateApi.as_view(), name="attachment-list"),
    path("attachments/<int:pk>/", views.AttachmentDetailApi.as_view(), name="attachment-detail"),
    path(
        "attachments/<int:pk>/download/",
        views.AttachmentDownloadApi.as_view(),
        name="attachment-download",
    ),
    path("attachments/<int:pk>/void/", views.AttachmentVoidApi.as_view(), name="attachment-void"),
]
