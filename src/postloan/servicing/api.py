"""Servicing API: customers, loans, schedules, repayments (post / reverse, idempotent on the
external transaction id), settlement quotes, waiver and write-off requests and decisions, products."""

import datetime as dt
from decimal import Decimal
from typing import Any, Literal

from django.http import Http404, HttpRequest
from ninja import Field, File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.pagination import LimitOffsetPagination, paginate

from postloan.platform import runtime_config
from postloan.platform import services as platform_services
from postloan.platform.domain.masking import mask
from postloan.servicing import selectors, services
from postloan.servicing.domain import product as P
from postloan.servicing.models import Adjustment, Customer, Loan, Product, Repayment

router = Router(tags=["servicing"])


def _need(request: HttpRequest, permission: str) -> None:
    platform_services.require(request.user, permission)


def _customer(request: HttpRequest, pk: int) -> Customer:
    return selectors.visible_customer(request.user, pk)


def _loan(request: HttpRequest, pk: int) -> Loan:
    return selectors.visible_loan(request.user, pk)


class ContactIn(Schema):
    kind: Literal["mobile", "phone", "email", "address"]
    value: str = Field(..., min_length=1, max_length=300)
    label: str = ""
    relation: str = "self"
    contact_name: str = ""
    is_emergency: bool = False


class CustomerIn(Schema):
    customer_no: str = Field(..., min_length=1, max_length=40)
    name: str = Field(..., min_length=1, max_length=100)
    id_type: Literal["resident_id", "passport", "other"] = "resident_id"
    id_number: str = ""
    birth_date: dt.date | None = None
    gender: Literal["M", "F", "U"] = "U"
    region: str = ""
    segment: str = ""
    employer: str = ""
    occupation: str = ""
    monthly_income: Decimal | None = None
    assets: Decimal | None = None
    liabilities: Decimal | None = None
    monthly_obligations: Decimal | None = None
    contacts: list[ContactIn] = []
    custom: dict[str, Any] = {}


class CustomerOut(Schema):
    id: int
    customer_no: str
    name: str
    id_type: str
    id_number_masked: str
    gender: str
    region: str
    segment: str
    do_not_contact: bool
    dispute: bool
    custom: dict[str, Any]


def _customer_out(request: HttpRequest, c: Customer) -> dict[str, Any]:
    rules = runtime_config.for_request(request)
    return {
        "id": c.pk,
        "customer_no": c.customer_no,
        "name": c.name,
        "id_type": c.id_type,
        "id_number_masked": mask(c.id_number, rules.mask_rule("id_number")),
        "gender": c.gender,
        "region": c.region,
        "segment": c.segment,
        "do_not_contact": c.do_not_contact,
        "dispute": c.dispute,
        "custom": c.custom,
    }


@router.get("/customers", response=list[CustomerOut], summary="Search customers in the caller's data scope")
@paginate(LimitOffsetPagination)
def list_customers(request: HttpRequest, q: str = "") -> list[dict[str, Any]]:
    _need(request, "servicing.view")
    return [_customer_out(request, c) for c in selectors.search_customers(request.user, q)]


@router.get("/customers/{customer_id}", response=CustomerOut)
def get_customer(request: HttpRequest, customer_id: int) -> dict[str, Any]:
    _need(request, "servicing.view")
    return _customer_out(request, _customer(request, customer_id))


@router.post("/customers", response={201: CustomerOut})
def create_customer(request: HttpRequest, payload: CustomerIn) -> Status:
    data = payload.dict()
    contacts = data.pop("contacts")
    fields = {
        k: v for k, v in data.items() if v not in (None, "") and k not in ("customer_no", "name", "custom")
    }
    customer = services.create_customer(
        actor=request.user,
        institution=request.user.institution,
        customer_no=payload.customer_no,
        name=payload.name,
        contacts=contacts,
        custom=payload.custom,
        **fields,
    )
    return Status(201, _customer_out(request, customer))


class LoanIn(Schema):
    customer_id: int
    product_code: str
    loan_no: str = Field(..., min_length=1, max_length=40)
    principal: Decimal = Field(..., gt=0, max_digits=16, decimal_places=2)
    disbursed_on: dt.date
    term: int | None = Field(None, ge=1, le=480)
    annual_rate: Decimal | None = Field(None, ge=0, le=1)
    custom: dict[str, Any] = {}


class LoanOut(Schema):
    id: int
    loan_no: str
    customer_id: int
    product: str
    product_version: int
    principal: Decimal
    annual_rate: Decimal
    term: int
    method: str
    disbursed_on: dt.date
    maturity_date: dt.date
    status: str
    restructured: bool
    schedule_version: int
    outstanding_principal: Decimal
    total_outstanding: Decimal
    overdue: Decimal
    dpd: int
    credit_balance: Decimal


def _loan_out(loan: Loan, balance: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": loan.pk,
        "loan_no": loan.loan_no,
        "customer_id": loan.customer_id,
        "product": loan.product_version.product.code,
        "product_version": loan.product_version.version,
        "principal": loan.principal,
        "annual_rate": loan.annual_rate,
        "term": loan.term,
        "method": loan.method,
        "disbursed_on": loan.disbursed_on,
        "maturity_date": loan.maturity_date,
        "status": loan.status,
        "restructured": loan.restructured,
        "schedule_version": loan.schedule_version,
        "outstanding_principal": balance["principal"],
        "total_outstanding": balance["total"],
        "overdue": balance["overdue"],
        "dpd": balance["dpd"],
        "credit_balance": loan.credit_balance,
    }


class LoanPage(Schema):
    items: list[LoanOut]
    count: int


@router.get("/loans", response=LoanPage, summary="Loans in the caller's data scope (limit/offset pages)")
def list_loans(
    request: HttpRequest,
    customer_id: int | None = None,
    limit: int = Query(50, ge=1, le=500),
    offset: int = Query(0, ge=0),
) -> dict[str, Any]:
    _need(request, "servicing.view")
    qs = selectors.loans_for(request.user).order_by("-id")
    if customer_id is not None:
        qs = qs.filter(customer_id=customer_id)
    # Balances are computed for the requested page only, never for the whole book.
    page = list(qs[offset : offset + limit])
    balances = selectors.loan_balances(page, request.user.institution.business_date)
    return {"items": [_loan_out(loan, balances[loan.pk]) for loan in page], "count": qs.count()}


@router.get("/loans/{loan_id}", response=LoanOut)
def get_loan(request: HttpRequest, loan_id: int) -> dict[str, Any]:
    _need(request, "servicing.view")
    loan = _loan(request, loan_id)
    return _loan_out(loan, selectors.loan_balances([loan], request.user.institution.business_date)[loan.pk])


@router.post("/loans", response={201: LoanOut}, summary="Book a disbursed loan and generate its schedule")
def book_loan(request: HttpRequest, payload: LoanIn) -> Status:
    customer = _customer(request, payload.customer_id)
    product = Product.objects.filter(institution=request.user.institution, code=payload.product_code).first()
    if product is None:
        from django.core.exceptions import ValidationError

        raise ValidationError({"product_code": "unknown product"})
    loan = services.book_loan(
        actor=request.user,
        customer=customer,
        product=product,
        loan_no=payload.loan_no,
        principal=payload.principal,
        disbursed_on=payload.disbursed_on,
        term=payload.term,
        annual_rate=payload.annual_rate,
        custom=payload.custom,
    )
    return Status(
        201, _loan_out(loan, selectors.loan_balances([loan], request.user.institution.business_date)[loan.pk])
    )


class InstalmentOut(Schema):
    period: int
    due_date: dt.date
    principal_due: Decimal
    interest_due: Decimal
    fee_due: Decimal
    penalty_due: Decimal
    paid: Decimal
    waived: Decimal
    outstanding: Decimal


@router.get("/loans/{loan_id}/schedule", response=list[InstalmentOut])
def loan_schedule(request: HttpRequest, loan_id: int) -> list[dict[str, Any]]:
    _need(request, "servicing.view")
    return [
        {
            "period": s["row"].period,
            "due_date": s["row"].due_date,
            "principal_due": s["due"]["principal"],
            "interest_due": s["due"]["interest"],
            "fee_due": s["due"]["fee"],
            "penalty_due": s["due"]["penalty"],
            "paid": s["total_paid"],
            "waived": s["total_waived"],
            "outstanding": s["outstanding"],
        }
        for s in selectors.instalments_of(_loan(request, loan_id))
    ]


class RepaymentIn(Schema):
    amount: Decimal = Field(..., gt=0, max_digits=16, decimal_places=2)
    value_date: dt.date
    channel: Literal["bank_transfer", "withholding", "counter", "online", "other"]
    external_id: str | None = Field(None, max_length=80)


class AllocationOut(Schema):
    period: int
    component: str
    amount: Decimal


class RepaymentOut(Schema):
    id: int
    loan_id: int
    amount: Decimal
    value_date: dt.date
    channel: str
    external_id: str | None
    status: str
    allocations: list[AllocationOut]
    prepaid_principal: Decimal
    credited: Decimal
    posted_on: dt.date
    duplicate: bool = False


def _repayment_out(r: Repayment, duplicate: bool = False) -> dict[str, Any]:
    return {
        "id": r.pk,
        "loan_id": r.loan_id,
        "amount": r.amount,
        "value_date": r.value_date,
        "channel": r.channel,
        "external_id": r.external_id,
        "status": r.status,
        "prepaid_principal": r.prepaid_principal,
        "credited": r.credited,
        "posted_on": r.posted_on,
        "duplicate": duplicate,
        "allocations": [{"period": p, "component": c, "amount": Decimal(a)} for p, c, a in r.allocations],
    }


@router.get("/loans/{loan_id}/repayments", response=list[RepaymentOut])
def loan_repayments(request: HttpRequest, loan_id: int) -> list[dict[str, Any]]:
    _need(request, "servicing.view")
    return [_repayment_out(r) for r in selectors.repayments_of(_loan(request, loan_id))]


@router.post(
    "/loans/{loan_id}/repayments",
    response={201: RepaymentOut, 200: RepaymentOut},
    summary="Post a repayment; a known external_id returns the original with duplicate=true (200)",
)
def post_repayment(request: HttpRequest, loan_id: int, payload: RepaymentIn) -> Status:
    loan = _loan(request, loan_id)
    try:
        repayment = services.post_repayment(actor=request.user, loan=loan, **payload.dict())
    except services.DuplicatePayment as dup:
        return Status(200, _repayment_out(dup.repayment, duplicate=True))
    return Status(201, _repayment_out(repayment))


class ReasonIn(Schema):
    reason: str = Field(..., min_length=1, max_length=300)


@router.post("/repayments/{repayment_id}/reverse", response=RepaymentOut)
def reverse_repayment(request: HttpRequest, repayment_id: int, payload: ReasonIn) -> dict[str, Any]:
    repayment = Repayment.objects.filter(pk=repayment_id, loan__in=selectors.loans_for(request.user)).first()
    if repayment is None:
        raise Http404
    return _repayment_out(
        services.reverse_repayment(actor=request.user, repayment=repayment, reason=payload.reason)
    )


class QuoteOut(Schema):
    as_of: dt.date
    due_now: Decimal
    principal_not_due: Decimal
    accrued_interest: Decimal
    settlement_fee: Decimal
    total: Decimal


@router.get("/loans/{loan_id}/settlement-quote", response=QuoteOut)
def settlement_quote(request: HttpRequest, loan_id: int) -> dict[str, Any]:
    _need(request, "servicing.view")
    q = services.quote_settlement(_loan(request, loan_id))
    return {
        "as_of": q.as_of,
        "due_now": q.due_now,
        "principal_not_due": q.principal_not_due,
        "accrued_interest": q.accrued_interest,
        "settlement_fee": q.settlement_fee,
        "total": q.total,
    }


class AdjustmentIn(Schema):
    kind: Literal["waiver", "write_off"]
    amounts: dict[Literal["fee", "penalty", "interest", "principal"], Decimal] = {}
    reason: str = Field(..., min_length=1, max_length=500)


class AdjustmentOut(Schema):
    id: int
    loan_id: int
    kind: str
    amounts: dict[str, str]
    total: Decimal
    reason: str
    status: str
    requested_by: str
    decided_by: str | None
    decision_note: str


def _adjustment_out(a: Adjustment) -> dict[str, Any]:
    return {
        "id": a.pk,
        "loan_id": a.loan_id,
        "kind": a.kind,
        "amounts": a.amounts,
        "total": a.total,
        "reason": a.reason,
        "status": a.status,
        "requested_by": a.requested_by.username,
        "decided_by": a.decided_by.username if a.decided_by else None,
        "decision_note": a.decision_note,
    }


@router.post(
    "/loans/{loan_id}/adjustments", response={201: AdjustmentOut}, summary="Request a waiver or write-off"
)
def request_adjustment(request: HttpRequest, loan_id: int, payload: AdjustmentIn) -> Status:
    adjustment = services.request_adjustment(
        actor=request.user,
        loan=_loan(request, loan_id),
        kind=payload.kind,
        amounts={k: str(v) for k, v in payload.amounts.items()},
        reason=payload.reason,
    )
    return Status(201, _adjustment_out(adjustment))


class DecisionIn(Schema):
    approve: bool
    note: str = ""


@router.post(
    "/adjustments/{adjustment_id}/decision",
    response=AdjustmentOut,
    summary="Approve (within your limit, not your own request) or reject",
)
def decide_adjustment(request: HttpRequest, adjustment_id: int, payload: DecisionIn) -> dict[str, Any]:
    adjustment = Adjustment.objects.filter(
        pk=adjustment_id, loan__in=selectors.loans_for(request.user)
    ).first()
    if adjustment is None:
        raise Http404
    return _adjustment_out(
        services.decide_adjustment(
            actor=request.user, adjustment=adjustment, approve=payload.approve, note=payload.note
        )
    )


class ProductOut(Schema):
    code: str
    name: str
    version: int
    config: dict[str, Any]


@router.get("/products", response=list[ProductOut])
def list_products(request: HttpRequest) -> list[dict[str, Any]]:
    _need(request, "servicing.view")
    return [
        {
            "code": p.code,
            "name": p.name,
            "version": p.current_version,
            "config": P.from_json(p.versions.get(version=p.current_version).config).to_json(),
        }
        for p in selectors.products_of(request.user.institution)
    ]


class RecoveryIn(Schema):
    amount: Decimal = Field(..., gt=0, max_digits=16, decimal_places=2)
    value_date: dt.date
    channel: Literal["bank_transfer", "withholding", "counter", "online", "other"]
    external_id: str | None = Field(None, max_length=80)


class RecoveryOut(Schema):
    id: int
    loan_id: int
    amount: Decimal
    value_date: dt.date
    channel: str


@router.post(
    "/loans/{loan_id}/recoveries", response={201: RecoveryOut}, summary="Money received after write-off"
)
def post_recovery(request: HttpRequest, loan_id: int, payload: RecoveryIn) -> Status:
    recovery = services.record_recovery(actor=request.user, loan=_loan(request, loan_id), **payload.dict())
    return Status(
        201,
        {
            "id": recovery.pk,
            "loan_id": recovery.loan_id,
            "amount": recovery.amount,
            "value_date": recovery.value_date,
            "channel": recovery.channel,
        },
    )


class ImportBatchOut(Schema):
    id: int
    entity: str
    file_name: str
    status: str
    rows_in: int
    inserted: int
    updated: int
    unchanged: int
    rejected: int
    report: dict[str, Any]
    rejects: list[dict[str, Any]]


def _batch_out(batch: Any) -> dict[str, Any]:
    return {
        "id": batch.pk,
        "entity": batch.entity,
        "file_name": batch.file_name,
        "status": batch.status,
        "rows_in": batch.rows_in,
        "inserted": batch.inserted,
        "updated": batch.updated,
        "unchanged": batch.unchanged,
        "rejected": batch.rejected,
        "report": batch.report,
        "rejects": batch.rejects[:1000],
    }


@router.post("/imports", response={201: ImportBatchOut}, summary="Upload a data-standard file and import it")
def upload_import(request: HttpRequest, entity: Form[str], file: File[UploadedFile]) -> Status:
    from postloan.servicing import importing

    platform_services.require(request.user, "servicing.import_data")
    path = importing.save_upload(file)
    batch = importing.import_file(
        actor=request.user,
        institution=request.user.institution,
        entity=entity,
        path=path,
        language=getattr(request, "LANGUAGE_CODE", None),
    )
    return Status(201, _batch_out(batch))


@router.get("/imports/{batch_id}", response=ImportBatchOut)
def get_import(request: HttpRequest, batch_id: int) -> dict[str, Any]:
    _need(request, "servicing.import_data")
    batch = selectors.import_batches(request.user.institution).filter(pk=batch_id).first()
    if batch is None:
        raise Http404
    return _batch_out(batch)
