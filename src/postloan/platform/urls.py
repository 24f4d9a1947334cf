from django.urls import path

from postloan.platform.views import admin, audit, auth, shell, tokens

app_name = "platform"

urlpatterns = [
    path("", shell.home, name="home"),
    path("login/", auth.login_view, name="login"),
    path("login/otp/", auth.login_otp_view, name="login_otp"),
    path("logout/", auth.logout_view, name="logout"),
    path("preferences/language/", shell.set_language, name="set_language"),
    path("preferences/theme/", shell.set_theme, name="set_theme"),
    path("profile/", shell.profile, name="profile"),
    path("profile/totp/", shell.totp_setup, name="totp_setup"),
    path("profile/totp/disable/", shell.totp_disable, name="totp_disable"),
    path("admin/users/", admin.users, name="users"),
    path("admin/users/new/", admin.user_edit, name="user_new"),
    path("admin/users/<int:pk>/", admin.user_edit, name="user_edit"),
    path("admin/users/<int:pk>/security/", admin.user_security, name="user_security"),
    path("pii/<str:object_type>/<int:pk>/<str:field>/", shell.reveal, name="reveal"),
    path("admin/roles/", admin.roles, name="roles"),
    path("admin/roles/new/", admin.role_edit, name="role_new"),
    path("admin/roles/<int:pk>/", admin.role_edit, name="role_edit"),
    path("admin/org/", admin.org_units, name="org_units"),
    path("admin/settings/", admin.settings_view, name="settings"),
    path("admin/business-date/", admin.business_date, name="business_date"),
    path("admin/tokens/", tokens.tokens, name="tokens"),
    path("admin/tokens/<int:pk>/revoke/", tokens.token_revoke, name="token_revoke"),
    path("audit/", audit.audit_search, name="audit"),
]
