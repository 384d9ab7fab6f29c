from django.contrib import admin

from .admin_login import ThrottledAdminAuthenticationForm

# Every staff login, not only the GRS officers', is throttled after repeated failures.
admin.site.login_form = ThrottledAdminAuthenticationForm
