"""Servicing screens: customer search and 360 view, loan detail with schedule and allocations,
repayment entry, settlement, reversal, restructuring, waiver/write-off requests and the approval
queue, products. Thin: forms validate shape, services decide, selectors read."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from postloan.platform import runtime_config
from postloan.platform import selectors as platform_selectors
from postloan.platform.domain.masking import mask
from postloan.platform.views.util import attach_errors, error_text, form_error_text, paginate
from postloan.servicing import forms as F
from postloan.servicing import selectors, services
from postloan.servicing.domain import product as P
from postloan.servicing.models import Adjustment, ApprovalLimit, Customer, Loan, Product, Repayment

view_perm = permission_required("servicing.view", raise_exception=True)


def _customer(request: HttpRequest, pk: int) -> Customer:
    return selectors.visible_customer(request.user, pk)


def _loan(request: HttpRequest, pk: int) -> Loan:
    return selectors.visible_loan(request.user, pk)


@login_required
@view_perm
def customers(request: HttpRequest) -> HttpResponse:
    form = F.CustomerSearchForm(request.GET or None)
    query = request.GET.get("q", "")
    page = paginate(request, selectors.search_customers(request.user, query), per_page=25)
    rules = runtime_config.for_request(request)
    rows = [{"c": c, "id_masked": mask(c.id_number, rules.mask_rule("id_number"))} for c in page]
    return render(
        request,
        "servicing/customers.html",
        {"form": form, "page": page, "rows": rows, "q": query, "query": f"q={query}"},
    )


@login_required
@permission_required("servicing.post_repayment", raise_exception=True)
def customer_new(request: HttpRequest) -> HttpResponse:
    form = F.CustomerForm(request.POST or None, institution=request.user.institution)
    if request.method == "POST" and form.is_valid():
        data, custom = form.split()
        mobile = data.pop("mobile")
        contacts = [{"kind": "mobile", "value": mobile, "label": _("Own mobile")}] if mobile else []
        try:
            customer = services.create_customer(
                actor=request.user,
                institution=request.user.institution,
                contacts=contacts,
                custom=custom,
                **{k: v for k, v in data.items() if v not in (None, "")},
            )
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            messages.success(request, _("Customer created."))
            return redirect("servicing:customer", pk=customer.pk)
    return render(request, "servicing/customer_form.html", {"form": form})


@login_required
@view_perm
def customer(request: HttpRequest, pk: int) -> HttpResponse:
    c = _customer(request, pk)
    rules = runtime_config.for_request(request)
    loans = list(selectors.loans_for(request.user).filter(customer=c).order_by("-disbursed_on"))
    balances = selectors.loan_balances(loans, request.user.institution.business_date)
    contacts = [
        {
            "c": ct,
            "masked": mask(ct.value, rules.mask_rule(ct.mask_kind))
            if ct.mask_kind != "email"
            else mask(ct.value, rules.mask_rule("phone")),
        }
        for ct in c.contacts.all()
    ]
    context = {
        "c": c,
        "id_masked": mask(c.id_number, rules.mask_rule("id_number")),
        "contacts": contacts,
        "loans": [{"loan": loan, **balances[loan.pk]} for loan in loans],
        "events": c.events.select_related("loan")[:100],
        "consents": c.consents.all(),
        "custom_rows": [
            (d.label, c.custom[d.key])
            for d in selectors.custom_fields_of(c.institution)
            if d.entity == "customer" and d.key in c.custom
        ],
        "flags_form": F.FlagsForm(initial={"do_not_contact": c.do_not_contact, "dispute": c.dispute}),
        "contact_form": F.ContactForm(),
        "consent_form": F.ConsentForm(initial={"granted_on": request.user.institution.business_date}),
        "book_form": F.BookLoanForm(
            institution=request.user.institution,
            initial={"disbursed_on": request.user.institution.business_date},
        ),
    }
    return render(request, "servicing/customer.html", context)


@login_required
@require_POST
def customer_flags(request: HttpRequest, pk: int) -> HttpResponse:
    c = _customer(request, pk)
    form = F.FlagsForm(request.POST)
    if form.is_valid():
        try:
            services.set_customer_flags(actor=request.user, customer=c, **form.cleaned_data)
            messages.success(request, _("Flags updated."))
        except (ValidationError, PermissionDenied) as exc:
            messages.error(request, error_text(exc))
    else:
        messages.error(request, _("Give a reason."))
    return redirect("servicing:customer", pk=c.pk)


@login_required
@require_POST
def contact_add(request: HttpRequest, pk: int) -> HttpResponse:
    c = _customer(request, pk)
    form = F.ContactForm(request.POST)
    if form.is_valid():
        try:
            services.add_contact(actor=request.user, customer=c, **form.cleaned_data)
            messages.success(request, _("Contact added."))
        except ValidationError as exc:
            messages.error(request, "; ".join(exc.messages))
    else:
        messages.error(request, form_error_text(form))
    return redirect("servicing:customer", pk=c.pk)


@login_required
@require_POST
def loan_book(request: HttpRequest, pk: int) -> HttpResponse:
    c = _customer(request, pk)
    form = F.BookLoanForm(request.POST, institution=request.user.institution)
    if form.is_valid():
        try:
            data, custom = form.split()
            loan = services.book_loan(actor=request.user, customer=c, custom=custom, **data)
        except (ValidationError, PermissionDenied) as exc:
            messages.error(request, error_text(exc))
        else:
            messages.success(request, _("Loan booked and its schedule generated."))
            return redirect("servicing:loan", pk=loan.pk)
    else:
        messages.error(request, form_error_text(form))
    return redirect("servicing:customer", pk=c.pk)


def _loan_panels(request: HttpRequest, loan: Loan) -> list[tuple[str, dict]]:
    """Panels other enabled modules add to the loan page (app config loan_panel + loan_context)."""
    from django.apps import apps

    from postloan import modules

    enabled = set(runtime_config.for_request(request).enabled_modules()) & set(modules.served_codes())
    panels = []
    for module in modules.CATALOGUE:
        config = apps.get_app_config(module.app.rsplit(".", 1)[-1])
        if module.code in enabled and hasattr(config, "loan_context"):
            panels.append((config.loan_panel, config.loan_context(loan)))
    return panels


def _loan_url(loan: Loan, repayment: Repayment) -> str:
    return f"{reverse('servicing:loan', args=[loan.pk])}?repayment={repayment.pk}#repayments"


def _loan_context(request: HttpRequest, loan: Loan, **forms: Any) -> dict[str, Any]:
    business_date = request.user.institution.business_date
    balance = selectors.loan_balances([loan], business_date)[loan.pk]
    quote = services.quote_settlement(loan) if loan.status == Loan.Status.ACTIVE else None
    config = P.from_json(loan.product_version.config)
    repayments = list(selectors.repayments_of(loan))
    return {
        "loan": loan,
        "config": config,
        "method_label": _(P.METHOD_LABELS.get(loan.method, loan.method)),
        "balance": balance,
        "schedule": selectors.instalments_of(loan),
        "repayments": repayments,
        "adjustments": loan.adjustments.select_related("requested_by", "decided_by"),
        "recoveries": loan.recoveries.all(),
        "versions": loan.schedule_versions.order_by("-version"),
        "quote": quote,
        "business_date": business_date,
        "repayment_form": forms.get("repayment_form")
        or F.RepaymentForm(initial={"value_date": business_date}),
        "settle_form": F.SettleForm(),
        "reverse_form": F.ReverseForm(),
        "waiver_form": forms.get("waiver_form") or F.WaiverForm(),
        "writeoff_form": F.WriteOffForm(),
        "recovery_form": F.RecoveryForm(initial={"value_date": business_date}),
        "restructure_form": forms.get("restructure_form") or F.RestructureForm(),
        "highlight": request.GET.get("repayment"),
        "panels": _loan_panels(request, loan),
        "custom_rows": [
            (d.label, loan.custom[d.key])
            for d in selectors.custom_fields_of(loan.institution)
            if d.entity == "loan" and d.key in loan.custom
        ],
    }


@login_required
@view_perm
def loan(request: HttpRequest, pk: int) -> HttpResponse:
    return render(request, "servicing/loan.html", _loan_context(request, _loan(request, pk)))


@login_required
@permission_required("servicing.post_repayment", raise_exception=True)
@require_POST
def repayment_post(request: HttpRequest, pk: int) -> HttpResponse:
    loan_obj = _loan(request, pk)
    form = F.RepaymentForm(request.POST)
    if form.is_valid():
        try:
            repayment = services.post_repayment(actor=request.user, loan=loan_obj, **form.cleaned_data)
        except services.DuplicatePayment as dup:
            messages.warning(
                request,
                _("Transaction %(id)s was already booked on %(d)s for %(a)s; nothing was booked again.")
                % {"id": dup.repayment.external_id, "d": dup.repayment.posted_on, "a": dup.repayment.amount},
            )
            return redirect(_loan_url(loan_obj, dup.repayment))
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            messages.success(request, _("Repayment of %(a)s booked.") % {"a": repayment.amount})
            return redirect(_loan_url(loan_obj, repayment))
    return render(
        request, "servicing/loan.html", _loan_context(request, loan_obj, repayment_form=form), status=400
    )


@login_required
@require_POST
def repayment_reverse(request: HttpRequest, pk: int) -> HttpResponse:
    repayment = get_object_or_404(Repayment, pk=pk, loan__in=selectors.loans_for(request.user))
    form = F.ReverseForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(_("Give a reason for the reversal."))
        services.reverse_repayment(
            actor=request.user, repayment=repayment, reason=form.cleaned_data["reason"]
        )
        messages.success(request, _("Repayment reversed; the loan is back to its state without it."))
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, error_text(exc))
    return redirect("servicing:loan", pk=repayment.loan_id)


@login_required
@require_POST
def loan_settle(request: HttpRequest, pk: int) -> HttpResponse:
    loan_obj = _loan(request, pk)
    form = F.SettleForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(_("Choose a channel."))
        services.settle_loan(actor=request.user, loan=loan_obj, **form.cleaned_data)
        messages.success(request, _("The loan is settled."))
    except services.DuplicatePayment:
        messages.warning(request, _("That transaction id was already booked; nothing was booked again."))
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, error_text(exc))
    return redirect("servicing:loan", pk=loan_obj.pk)


@login_required
@require_POST
def loan_restructure(request: HttpRequest, pk: int) -> HttpResponse:
    loan_obj = _loan(request, pk)
    form = F.RestructureForm(request.POST)
    if form.is_valid():
        try:
            services.restructure(actor=request.user, loan=loan_obj, **form.cleaned_data)
        except (ValidationError, PermissionDenied) as exc:
            attach_errors(form, exc if isinstance(exc, ValidationError) else ValidationError(str(exc)))
        else:
            messages.success(request, _("Restructured: a new schedule version is in force."))
            return redirect("servicing:loan", pk=loan_obj.pk)
    return render(
        request, "servicing/loan.html", _loan_context(request, loan_obj, restructure_form=form), status=400
    )


@login_required
@require_POST
def adjustment_request(request: HttpRequest, pk: int, kind: str) -> HttpResponse:
    loan_obj = _loan(request, pk)
    form = F.WaiverForm(request.POST) if kind == "waiver" else F.WriteOffForm(request.POST)
    if form.is_valid():
        data = dict(form.cleaned_data)
        reason = data.pop("reason")
        try:
            services.request_adjustment(
                actor=request.user,
                loan=loan_obj,
                kind=kind,
                amounts={k: v for k, v in data.items() if v},
                reason=reason,
            )
        except (ValidationError, PermissionDenied) as exc:
            if kind == "waiver" and isinstance(exc, ValidationError):
                attach_errors(form, exc)
            else:
                messages.error(request, error_text(exc))
                return redirect("servicing:loan", pk=loan_obj.pk)
        else:
            messages.success(request, _("Request sent for approval."))
            return redirect("servicing:loan", pk=loan_obj.pk)
    if kind != "waiver":
        messages.error(request, _("Give a reason."))
        return redirect("servicing:loan", pk=loan_obj.pk)
    return render(
        request, "servicing/loan.html", _loan_context(request, loan_obj, waiver_form=form), status=400
    )


@login_required
def adjustments(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not any(
        user.has_perm(p)
        for p in ("servicing.request_waiver", "servicing.approve_waiver", "platform.manage_roles")
    ):
        raise PermissionDenied
    pending = list(selectors.adjustment_queue(user))
    context = {
        "pending": [{"a": a, "own": a.requested_by_id == user.pk} for a in pending],
        "decided": selectors.adjustment_queue(user, status=Adjustment.Status.APPROVED)[:20],
        "rejected": selectors.adjustment_queue(user, status=Adjustment.Status.REJECTED)[:20],
        "can_approve": user.has_perm("servicing.approve_waiver"),
        "limits": {k: services.approval_limit(user, k) for k in Adjustment.Kind.values},
        "all_limits": ApprovalLimit.objects.select_related("role").order_by("role_id", "kind")
        if user.has_perm("platform.manage_roles")
        else None,
        "roles": platform_selectors.roles() if user.has_perm("platform.manage_roles") else None,
        "decision_form": F.DecisionForm(),
    }
    return render(request, "servicing/adjustments.html", context)


@login_required
@require_POST
def adjustment_decide(request: HttpRequest, pk: int) -> HttpResponse:
    adjustment = get_object_or_404(Adjustment, pk=pk, loan__in=selectors.loans_for(request.user))
    approve = request.POST.get("decision") == "approve"
    try:
        services.decide_adjustment(
            actor=request.user, adjustment=adjustment, approve=approve, note=request.POST.get("note", "")
        )
        messages.success(request, _("Approved and posted.") if approve else _("Rejected."))
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, error_text(exc))
    return redirect("servicing:adjustments")


@login_required
@require_POST
def approval_limit_set(request: HttpRequest) -> HttpResponse:
    from postloan.platform.models import Role

    role = get_object_or_404(Role, pk=request.POST.get("role"))
    try:
        services.set_approval_limit(
            actor=request.user,
            role=role,
            kind=request.POST.get("kind", ""),
            max_amount=Decimal(request.POST.get("max_amount") or "x"),
        )
        messages.success(request, _("Approval limit saved."))
    except (ValidationError, PermissionDenied, ArithmeticError) as exc:
        messages.error(request, "; ".join(getattr(exc, "messages", [_("Enter an amount such as 1234.56.")])))
    return redirect("servicing:adjustments")


@login_required
@permission_required("servicing.manage_products", raise_exception=True)
def products(request: HttpRequest) -> HttpResponse:
    rows = []
    for product in selectors.products_of(request.user.institution):
        config = P.from_json(product.versions.get(version=product.current_version).config)
        rows.append(
            {
                "p": product,
                "config": config,
                "type": _(P.PRODUCT_TYPE_LABELS[config.product_type]),
                "method": _(P.METHOD_LABELS[config.method]),
                "loans": Loan.objects.filter(product_version__product=product).count(),
            }
        )
    return render(request, "servicing/products.html", {"rows": rows})


@login_required
@permission_required("servicing.manage_products", raise_exception=True)
def product_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    product = get_object_or_404(Product, pk=pk, institution=request.user.institution) if pk else None
    config = (
        P.from_json(product.versions.get(version=product.current_version).config)
        if product
        else P.ProductConfig()
    )
    initial = F.ProductForm.initial_from(config) | (
        {"code": product.code, "name": product.name} if product else {}
    )
    form = F.ProductForm(request.POST or None, initial=initial, editing=product)
    if request.method == "POST" and form.is_valid():
        try:
            product = services.save_product(
                actor=request.user,
                institution=request.user.institution,
                code=form.cleaned_data["code"],
                name=form.cleaned_data["name"],
                config=form.config(),
                product=product,
            )
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            messages.success(
                request,
                _("Product saved as version %(v)s; existing loans keep their version.")
                % {"v": product.current_version},
            )
            return redirect("servicing:products")
    versions = product.versions.all() if product else []
    return render(
        request, "servicing/product_form.html", {"form": form, "product": product, "versions": versions}
    )


@login_required
@require_POST
def recovery_post(request: HttpRequest, pk: int) -> HttpResponse:
    loan_obj = _loan(request, pk)
    form = F.RecoveryForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(form_error_text(form))
        services.record_recovery(actor=request.user, loan=loan_obj, **form.cleaned_data)
        messages.success(request, _("Recovery booked."))
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, error_text(exc))
    return redirect("servicing:loan", pk=loan_obj.pk)


@login_required
@require_POST
def consent_add(request: HttpRequest, pk: int) -> HttpResponse:
    c = _customer(request, pk)
    form = F.ConsentForm(request.POST)
    if form.is_valid():
        services.record_consent(actor=request.user, customer=c, **form.cleaned_data)
        messages.success(request, _("Consent recorded."))
    else:
        messages.error(request, form_error_text(form))
    return redirect("servicing:customer", pk=c.pk)


@login_required
@permission_required("servicing.manage_products", raise_exception=True)
def custom_fields(request: HttpRequest) -> HttpResponse:
    form = F.CustomFieldForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        choices = [c.strip() for c in data.pop("choices").split(",") if c.strip()]
        try:
            services.define_custom_field(
                actor=request.user, institution=request.user.institution, choices=choices, **data
            )
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            messages.success(request, _("Custom field added."))
            return redirect("servicing:custom_fields")
    rows = selectors.custom_fields_of(request.user.institution)
    return render(request, "servicing/custom_fields.html", {"form": form, "rows": rows})


@login_required
@permission_required("servicing.import_data", raise_exception=True)
def imports(request: HttpRequest) -> HttpResponse:
    from postloan.servicing import importing
    from postloan.servicing.domain.data_standard import ENTITIES

    error = ""
    if request.method == "POST":
        upload = request.FILES.get("file")
        entity = request.POST.get("entity", "")
        if upload is None:
            error = _("Choose a file to import.")
        else:
            path = importing.save_upload(upload)
            try:
                batch = importing.import_file(
                    actor=request.user,
                    institution=request.user.institution,
                    entity=entity,
                    path=path,
                    language=request.LANGUAGE_CODE,
                )
            except ValidationError as exc:
                error = "; ".join(exc.messages)
            else:
                return redirect("servicing:import_batch", pk=batch.pk)
    batches = selectors.import_batches(request.user.institution)[:50]
    return render(
        request,
        "servicing/imports.html",
        {"batches": batches, "entities": list(ENTITIES), "error": error},
        status=400 if error else 200,
    )


@login_required
@permission_required("servicing.import_data", raise_exception=True)
def import_batch(request: HttpRequest, pk: int) -> HttpResponse:
    batch = get_object_or_404(selectors.import_batches(request.user.institution), pk=pk)
    completeness = sorted(batch.report.get("completeness", {}).items())
    return render(
        request,
        "servicing/import_batch.html",
        {
            "batch": batch,
            "completeness": completeness,
            "problems": sorted(batch.report.get("problems", {}).items()),
        },
    )


@login_required
@permission_required("servicing.import_data", raise_exception=True)
def import_rejects(request: HttpRequest, pk: int) -> HttpResponse:
    from django.http import FileResponse

    batch = get_object_or_404(selectors.import_batches(request.user.institution), pk=pk)
    if not batch.reject_file:
        raise Http404
    return FileResponse(
        open(batch.reject_file, "rb"),
        as_attachment=True,
        filename=f"batch-{batch.pk}-{batch.entity}-rejects.csv",
    )
