from django.urls import path

from postloan.servicing import views

app_name = "servicing"

urlpatterns = [
    path("customers/", views.customers, name="customers"),
    path("customers/new/", views.customer_new, name="customer_new"),
    path("customers/<int:pk>/", views.customer, name="customer"),
    path("customers/<int:pk>/flags/", views.customer_flags, name="customer_flags"),
    path("customers/<int:pk>/contacts/", views.contact_add, name="contact_add"),
    path("customers/<int:pk>/loans/", views.loan_book, name="loan_book"),
    path("loans/<int:pk>/", views.loan, name="loan"),
    path("loans/<int:pk>/repay/", views.repayment_post, name="repayment_post"),
    path("loans/<int:pk>/settle/", views.loan_settle, name="loan_settle"),
    path("loans/<int:pk>/restructure/", views.loan_restructure, name="loan_restructure"),
    path("loans/<int:pk>/request/<str:kind>/", views.adjustment_request, name="adjustment_request"),
    path("repayments/<int:pk>/reverse/", views.repayment_reverse, name="repayment_reverse"),
    path("adjustments/", views.adjustments, name="adjustments"),
    path("adjustments/<int:pk>/decide/", views.adjustment_decide, name="adjustment_decide"),
    path("adjustments/limits/", views.approval_limit_set, name="approval_limit_set"),
    path("loans/<int:pk>/recovery/", views.recovery_post, name="recovery_post"),
    path("customers/<int:pk>/consents/", views.consent_add, name="consent_add"),
    path("custom-fields/", views.custom_fields, name="custom_fields"),
    path("imports/", views.imports, name="imports"),
    path("imports/<int:pk>/", views.import_batch, name="import_batch"),
    path("imports/<int:pk>/rejects.csv", views.import_rejects, name="import_rejects"),
    path("products/", views.products, name="products"),
    path("products/new/", views.product_edit, name="product_new"),
    path("products/<int:pk>/", views.product_edit, name="product_edit"),
]
