"""Every servicing write: customers, products, loans, repayments (post, reverse, settle),
restructuring, waivers and write-offs (maker-checker), recoveries.

Each service checks the actor's permission, runs in one transaction, records an audit entry and a
timeline event. Money arrives as Decimal; dates are business dates, never the wall clock.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from postloan.platform import services as platform
from postloan.platform.domain.identity import is_valid_id_number, is_valid_mobile
from postloan.platform.models import Institution, User
from postloan.platform.plugins.manager import hook
from postloan.servicing import ledger_store
from postloan.servicing.domain import ledger as L
from postloan.servicing.domain import product as P
from postloan.servicing.domain import restructure as R
from postloan.servicing.domain.money import ZERO, money
from postloan.servicing.domain.schedule import Method, ScheduleError, generate
from postloan.servicing.domain.settlement import quote as settlement_quote
from postloan.servicing.models import (
    Adjustment,
    ApprovalLimit,
    Consent,
    Contact,
    Customer,
    CustomFieldDef,
    Loan,
    LoanEvent,
    Product,
    ProductVersion,
    Recovery,
    Repayment,
    ScheduleVersion,
)


def _event(*, customer: Customer, loan: Loan | None, kind: str, actor: Any, **data: Any) -> None:
    institution = customer.institution
    LoanEvent.objects.create(
        customer=customer,
        loan=loan,
        kind=kind,
        business_date=institution.business_date,
        actor=getattr(actor, "username", "system"),
        data=_plain(data),
    )


def _who(actor: Any) -> str:
    return getattr(actor, "username", "") or "system"


def _audit_created(actor: Any, obj: Any, institution_id: int) -> None:
    platform.record_audit(
        actor=actor, action="create", obj=obj, after=platform.snapshot(obj), institution_id=institution_id
    )


def _plain(data: Any) -> Any:
    if isinstance(data, dict):
        return {k: _plain(v) for k, v in data.items()}
    if isinstance(data, list | tuple):
        return [_plain(v) for v in data]
    if isinstance(data, Decimal | dt.date):
        return str(data) if isinstance(data, Decimal) else data.isoformat()
    return data


def _amount(raw: Any, field: str) -> Decimal:
    try:
        value = money(raw)
    except (InvalidOperation, ValueError, TypeError):
        raise ValidationError({field: _("Enter an amount such as 1234.56.")}) from None
    if value <= 0:
        raise ValidationError({field: _("The amount must be greater than zero.")})
    return value


# --- customers -----------------------------------------------------------------------------------

CUSTOMER_FIELDS = (
    "name",
    "id_type",
    "id_number",
    "birth_date",
    "gender",
    "region",
    "segment",
    "employer",
    "occupation",
    "monthly_income",
    "assets",
    "liabilities",
    "monthly_obligations",
)


def validate_custom(institution: Institution, entity: str, values: dict[str, Any]) -> dict[str, Any]:
    """Check custom attributes against the institution's field schema; return cleaned values."""
    defs = {d.key: d for d in CustomFieldDef.objects.filter(institution=institution, entity=entity)}
    errors: dict[str, str] = {}
    cleaned: dict[str, Any] = {}
    for key in values:
        if key not in defs:
            errors[f"custom.{key}"] = _("Unknown custom field.")
    for key, d in defs.items():
        raw = values.get(key)
        if raw in (None, ""):
            if d.required:
                errors[f"custom.{key}"] = _("This field is required.")
            continue
        try:
            if d.type == "integer":
                cleaned[key] = int(raw)
            elif d.type == "decimal":
                cleaned[key] = str(Decimal(str(raw)))
            elif d.type == "date":
                cleaned[key] = dt.date.fromisoformat(str(raw)).isoformat()
            elif d.type == "boolean":
                cleaned[key] = str(raw).lower() in ("true", "1", "yes", "on")
            elif d.type == "choice":
                if raw not in d.choices:
                    raise ValueError
                cleaned[key] = raw
            else:
                cleaned[key] = str(raw)
        except (ValueError, InvalidOperation):
            errors[f"custom.{key}"] = _("Not a valid value for %(label)s.") % {"label": d.label}
    if errors:
        raise ValidationError(errors)
    return cleaned


@transaction.atomic
def create_customer(
    *,
    actor: User,
    institution: Institution,
    customer_no: str,
    name: str,
    id_number: str = "",
    contacts: list[dict[str, Any]] | None = None,
    custom: dict[str, Any] | None = None,
    org_unit: Any = None,
    owner: Any = None,
    **fields: Any,
) -> Customer:
    if actor is not None:
        platform.require(actor, "servicing.edit_customer")
    errors: dict[str, str] = {}
    if not name.strip():
        errors["name"] = _("Enter the customer's name.")
    id_number = id_number.strip().upper()
    if (
        fields.get("id_type", Customer.IdType.RESIDENT) == Customer.IdType.RESIDENT
        and id_number
        and not is_valid_id_number(id_number)
    ):
        errors["id_number"] = _("This is not a valid 18-digit ID number (check digit mismatch).")
    if Customer.objects.filter(institution=institution, customer_no=customer_no).exists():
        errors["customer_no"] = _("A customer with this number already exists.")
    unknown = set(fields) - set(CUSTOMER_FIELDS)
    if unknown:
        errors["__all__"] = _("Unknown fields: %(f)s") % {"f": ", ".join(sorted(unknown))}
    if errors:
        raise ValidationError(errors)
    customer = Customer.objects.create(
        institution=institution,
        customer_no=customer_no,
        name=name.strip(),
        id_number=id_number,
        org_unit=org_unit or getattr(actor, "org_unit", None),
        owner=owner,
        custom=validate_custom(institution, "customer", custom or {}),
        **fields,
    )
    for contact in contacts or []:
        add_contact(actor=actor, customer=customer, **contact)
    _audit_created(actor, customer, institution.pk)
    _event(customer=customer, loan=None, kind="customer_created", actor=actor)
    return customer


@transaction.atomic
def add_contact(
    *,
    actor: User | None,
    customer: Customer,
    kind: str,
    value: str,
    label: str = "",
    relation: str = "self",
    contact_name: str = "",
    is_emergency: bool = False,
) -> Contact:
    if actor is not None:
        platform.require(actor, "servicing.edit_customer")
    value = value.strip()
    if kind not in Contact.Kind.values:
        raise ValidationError({"kind": _("Unknown contact kind.")})
    if kind == Contact.Kind.MOBILE and not is_valid_mobile(value.replace(" ", "").replace("-", "")):
        raise ValidationError({"value": _("Enter an 11-digit mainland mobile number starting with 1.")})
    if kind == Contact.Kind.EMAIL and "@" not in value:
        raise ValidationError({"value": _("Enter a valid email address.")})
    if not value:
        raise ValidationError({"value": _("This field is required.")})
    if relation not in Contact.Relation.values:
        raise ValidationError({"relation": _("Unknown relation.")})
    contact = Contact.objects.create(
        customer=customer,
        kind=kind,
        value=value,
        label=label,
        relation=relation,
        contact_name=contact_name,
        is_emergency=is_emergency,
    )
    _audit_created(actor, contact, customer.institution_id)
    return contact


@transaction.atomic
def set_customer_flags(
    *, actor: User, customer: Customer, do_not_contact: bool, dispute: bool, reason: str
) -> None:
    platform.require(actor, "servicing.request_waiver")
    if not reason.strip():
        raise ValidationError({"reason": _("Give a reason.")})
    before = {"do_not_contact": customer.do_not_contact, "dispute": customer.dispute}
    customer.do_not_contact, customer.dispute = do_not_contact, dispute
    customer.save(update_fields=["do_not_contact", "dispute"])
    after = {"do_not_contact": do_not_contact, "dispute": dispute}
    platform.record_audit(
        actor=actor,
        action="update_flags",
        obj=customer,
        before=before,
        after=after,
        institution_id=customer.institution_id,
    )
    _event(customer=customer, loan=None, kind="flags_changed", actor=actor, reason=reason, **after)


@transaction.atomic
def record_consent(
    *, actor: User, customer: Customer, purpose: str, granted_on: dt.date, channel: str
) -> Consent:
    platform.require(actor, "servicing.edit_customer")
    consent = Consent.objects.create(
        customer=customer, purpose=purpose, granted_on=granted_on, channel=channel
    )
    _audit_created(actor, consent, customer.institution_id)
    return consent


@transaction.atomic
def define_custom_field(
    *,
    actor: User,
    institution: Institution,
    entity: str,
    key: str,
    label: str,
    type: str,
    required: bool = False,
    choices: list[str] | None = None,
) -> CustomFieldDef:
    """An institution-defined attribute for customers or loans (layer 4 of customization)."""
    platform.require(actor, "servicing.manage_products")
    if entity not in CustomFieldDef.Entity.values:
        raise ValidationError({"entity": _("Unknown entity.")})
    if type not in CustomFieldDef.Type.values:
        raise ValidationError({"type": _("Unknown type.")})
    if type == "choice" and not choices:
        raise ValidationError({"choices": _("A choice field needs at least one choice.")})
    if CustomFieldDef.objects.filter(institution=institution, entity=entity, key=key).exists():
        raise ValidationError({"key": _("This key is already defined.")})
    field = CustomFieldDef.objects.create(
        institution=institution,
        entity=entity,
        key=key,
        label=label,
        type=type,
        required=required,
        choices=choices or [],
    )
    platform.record_audit(
        actor=actor, action="create", obj=field, after=platform.snapshot(field), institution_id=institution.pk
    )
    return field


# --- products ------------------------------------------------------------------------------------


def _parse_config(config: dict[str, Any]) -> P.ProductConfig:
    try:
        return P.parse(config)
    except P.ProductConfigError as exc:
        raise ValidationError({k: _(m) % p for k, (m, p) in exc.errors.items()}) from None


@transaction.atomic
def save_product(
    *,
    actor: User,
    institution: Institution,
    code: str,
    name: str,
    config: dict[str, Any],
    product: Product | None = None,
) -> Product:
    """Create a product, or give an existing one a new configuration version (loans keep theirs)."""
    platform.require(actor, "servicing.manage_products")
    parsed = _parse_config(config)
    if product is None:
        if Product.objects.filter(institution=institution, code=code).exists():
            raise ValidationError({"code": _("A product with this code already exists.")})
        product = Product.objects.create(institution=institution, code=code, name=name, current_version=1)
        version = 1
        before = None
    else:
        before = {
            "name": product.name,
            "config": product.versions.get(version=product.current_version).config,
        }
        version = product.current_version + 1
        product.name, product.current_version = name, version
        product.save(update_fields=["name", "current_version"])
    ProductVersion.objects.create(
        product=product, version=version, config=parsed.to_json(), created_by=_who(actor)
    )
    platform.record_audit(
        actor=actor,
        action="create" if before is None else "new_version",
        obj=product,
        before=before,
        after={"name": name, "version": version, "config": parsed.to_json()},
        institution_id=institution.pk,
    )
    return product


# --- loans ---------------------------------------------------------------------------------------


@transaction.atomic
def book_loan(
    *,
    actor: User,
    customer: Customer,
    product: Product,
    loan_no: str,
    principal: Any,
    disbursed_on: dt.date,
    term: int | None = None,
    annual_rate: Any = None,
    custom: dict[str, Any] | None = None,
) -> Loan:
    """Book a disbursed loan under the product's current version and store its schedule."""
    platform.require(actor, "servicing.post_repayment")
    version = product.versions.get(version=product.current_version)
    config = P.from_json(version.config)
    amount = _amount(principal, "principal")
    term = int(term or config.term)
    rate = Decimal(str(annual_rate)) if annual_rate not in (None, "") else config.annual_rate
    if Loan.objects.filter(institution=customer.institution, loan_no=loan_no).exists():
        raise ValidationError({"loan_no": _("A loan with this number already exists.")})
    if config.cost_cap is not None and rate > config.cost_cap:
        raise ValidationError(
            {
                "annual_rate": _("The rate is above the product's total cost cap of %(cap)s.")
                % {"cap": config.cost_cap}
            }
        )
    try:
        rows = generate(
            principal=amount, annual_rate=rate, term=term, method=config.method, start=disbursed_on
        )
    except ScheduleError as exc:
        raise ValidationError({"term": str(exc)}) from None
    loan = Loan.objects.create(
        institution=customer.institution,
        org_unit=customer.org_unit,
        owner=customer.owner,
        loan_no=loan_no,
        customer=customer,
        product_version=version,
        principal=amount,
        annual_rate=rate,
        term=term,
        method=config.method,
        disbursed_on=disbursed_on,
        maturity_date=rows[-1].due_date,
        custom=validate_custom(customer.institution, "loan", custom or {}),
    )
    base = L.from_schedule(rows)
    ScheduleVersion.objects.create(
        loan=loan,
        version=1,
        reason="booking",
        base=None,
        terms={"annual_rate": str(rate), "term": term},
        created_on=customer.institution.business_date,
        created_by=_who(actor),
    )
    ledger_store.write_state(loan, base)
    loan.save()
    platform.record_audit(
        actor=actor,
        action="book",
        obj=loan,
        after=platform.snapshot(loan),
        institution_id=loan.institution_id,
    )
    _event(
        customer=customer, loan=loan, kind="loan_booked", actor=actor, principal=amount, term=term, rate=rate
    )
    return loan


class DuplicatePayment(Exception):
    """The external transaction id was already booked; carries the existing repayment."""

    def __init__(self, repayment: Repayment) -> None:
        super().__init__(f"repayment {repayment.external_id} already booked")
        self.repayment = repayment


def ensure_open(institution: Institution) -> None:
    """Ledger changes wait while an end-of-day run closes the business date: the batch accrues that
    day on balances it has read, and a replay in between would drop what it booked."""
    if institution.eod_closing is not None:
        raise ValidationError(
            _("The end of day for %(d)s is running; ledger changes wait until it has finished.")
            % {"d": institution.eod_closing.isoformat()}
        )


def _replay_and_save(
    loan: Loan, events: list[ledger_store.Event], backdated_to: dt.date | None = None
) -> L.Ledger:
    """Replay the segment and store the result. A change dated before the business date (`backdated_to`)
    rewrites closed days: their penalty here, their DPD history in the modules that keep it."""
    ensure_open(loan.institution)
    try:
        ledger, _results, window = ledger_store.replay(loan, events, backdated_to)
    except L.PostingError as exc:
        raise ValidationError(_(exc.message) % exc.params) from None
    ledger_store.write_state(loan, ledger)
    if window.history:
        hook().postloan_history_restated(
            institution_id=loan.institution_id, histories={loan.pk: window.history}
        )
    loan.save()
    repayments = [e.repayment for e in events if e.repayment is not None and e.repayment.pk]
    Repayment.objects.bulk_update(repayments, ["allocations", "prepaid_principal", "credited"])
    adjustments = [e.adjustment for e in events if e.adjustment is not None and e.adjustment.pk]
    Adjustment.objects.bulk_update(adjustments, ["lines"])
    return ledger


def _lock(loan: Loan) -> Loan:
    return (
        Loan.objects.select_for_update()
        .select_related("institution", "customer", "product_version")
        .get(pk=loan.pk)
    )


@transaction.atomic
def post_repayment(
    *,
    actor: User,
    loan: Loan,
    amount: Any,
    value_date: dt.date,
    channel: str,
    external_id: str | None = None,
    settlement: dict[str, str] | None = None,
) -> Repayment:
    """Book a repayment and allocate it by the product's waterfall.

    A repayment whose external id is already booked raises DuplicatePayment (nothing is booked twice).
    A value date before later payments is fine: the segment is replayed in value-date order.
    """
    platform.require(actor, "servicing.post_repayment")
    amount = _amount(amount, "amount")
    loan = _lock(loan)
    external_id = (external_id or "").strip() or None
    if external_id:
        existing = Repayment.objects.filter(institution=loan.institution, external_id=external_id).first()
        if existing is not None and existing.loan_id != loan.pk:
            # Never say which loan: the caller may not be allowed to see it.
            raise ValidationError(
                {"external_id": _("This transaction id is already booked on another loan.")}
            )
        if existing is not None:
            raise DuplicatePayment(existing)
    if channel not in Repayment.Channel.values:
        raise ValidationError({"channel": _("Unknown channel.")})
    if loan.status != Loan.Status.ACTIVE:
        raise ValidationError(_("Only active loans take repayments; use a recovery for written-off loans."))
    business_date = loan.institution.business_date
    if value_date > business_date:
        raise ValidationError(
            {
                "value_date": _("The value date cannot be after the business date (%(d)s).")
                % {"d": business_date.isoformat()}
            }
        )
    if value_date < loan.disbursed_on:
        raise ValidationError({"value_date": _("The value date is before the loan was disbursed.")})
    repayment = Repayment(
        loan=loan,
        amount=amount,
        value_date=value_date,
        channel=channel,
        external_id=external_id,
        institution=loan.institution,
        segment_version=loan.schedule_version,
        settlement=settlement,
        posted_on=business_date,
        posted_by=_who(actor),
    )
    try:
        with transaction.atomic():
            repayment.save()
    except IntegrityError:  # a concurrent post of the same external id won the race
        raise DuplicatePayment(
            Repayment.objects.get(institution=loan.institution, external_id=external_id)
        ) from None
    _replay_and_save(loan, ledger_store.segment_events(loan), value_date)
    repayment.refresh_from_db()
    platform.record_audit(
        actor=actor,
        action="post_repayment",
        obj=repayment,
        after={
            "loan": loan.loan_no,
            "amount": str(amount),
            "value_date": value_date.isoformat(),
            "channel": channel,
            "external_id": external_id,
            "allocations": repayment.allocations,
        },
        institution_id=loan.institution_id,
    )
    _event(
        customer=loan.customer,
        loan=loan,
        kind="repayment_posted",
        actor=actor,
        amount=amount,
        value_date=value_date,
        channel=channel,
        allocations=repayment.allocations,
        backdated=value_date < business_date,
    )
    return repayment


@transaction.atomic
def reverse_repayment(*, actor: User, repayment: Repayment, reason: str) -> Repayment:
    """Undo a repayment exactly: the segment is replayed without it (later payments re-allocate)."""
    platform.require(actor, "servicing.post_repayment")
    if not reason.strip():
        raise ValidationError({"reason": _("Give a reason for the reversal.")})
    loan = _lock(repayment.loan)
    repayment = Repayment.objects.select_for_update().get(pk=repayment.pk)
    if repayment.status == Repayment.Status.REVERSED:
        raise ValidationError(_("This repayment is already reversed."))
    if repayment.segment_version != loan.schedule_version:
        raise ValidationError(
            _("The loan was restructured after this repayment; it can no longer be reversed.")
        )
    repayment.status = Repayment.Status.REVERSED
    repayment.reversed_on, repayment.reversed_by, repayment.reversal_reason = (
        loan.institution.business_date,
        _who(actor),
        reason,
    )
    repayment.save(update_fields=["status", "reversed_on", "reversed_by", "reversal_reason"])
    _replay_and_save(loan, ledger_store.segment_events(loan), repayment.value_date)
    platform.record_audit(
        actor=actor,
        action="reverse_repayment",
        obj=repayment,
        before={"status": "posted"},
        after={"status": "reversed", "reason": reason},
        institution_id=loan.institution_id,
    )
    _event(
        customer=loan.customer,
        loan=loan,
        kind="repayment_reversed",
        actor=actor,
        amount=repayment.amount,
        value_date=repayment.value_date,
        reason=reason,
    )
    return repayment


def quote_settlement(loan: Loan, as_of: dt.date | None = None) -> Any:
    config = P.from_json(loan.product_version.config)
    as_of = as_of or loan.institution.business_date
    return settlement_quote(
        ledger_store.current_ledger(loan),
        ledger_store.terms_for(loan),
        as_of,
        day_count_base=config.day_count,
        fee_rate=config.settlement_fee_rate,
    )


def settle_loan(
    *, actor: User, loan: Loan, channel: str, external_id: str | None = None, amount: Any = None
) -> Repayment:
    """Early settlement (提前结清) on the business date: pays the quote exactly."""
    q = quote_settlement(loan)
    if amount is not None and money(amount) != q.total:
        raise ValidationError({"amount": _("The settlement amount is %(total)s.") % {"total": q.total}})
    data = {
        "as_of": q.as_of.isoformat(),
        "due_now": str(q.due_now),
        "principal_not_due": str(q.principal_not_due),
        "accrued_interest": str(q.accrued_interest),
        "settlement_fee": str(q.settlement_fee),
    }
    return post_repayment(
        actor=actor,
        loan=loan,
        amount=q.total,
        value_date=q.as_of,
        channel=channel,
        external_id=external_id,
        settlement=data,
    )


# --- restructuring -------------------------------------------------------------------------------

RESTRUCTURE_KINDS = ("payment_plan", "extend_term", "reduce_rate", "capitalise")


@transaction.atomic
def restructure(
    *, actor: User, loan: Loan, kind: str, periods: int | None = None, new_rate: Any = None, reason: str
) -> Loan:
    """Apply a hardship treatment as a new schedule version and flag the loan restructured."""
    platform.require(actor, "servicing.approve_waiver")
    if kind not in RESTRUCTURE_KINDS:
        raise ValidationError({"kind": _("Unknown restructuring kind.")})
    if not reason.strip():
        raise ValidationError({"reason": _("Give a reason.")})
    loan = _lock(loan)
    if loan.status != Loan.Status.ACTIVE:
        raise ValidationError(_("Only active loans can be restructured."))
    ensure_open(loan.institution)
    as_of = loan.institution.business_date
    ledger = ledger_store.current_ledger(loan)
    terms = ledger_store.terms_for(loan)
    try:
        if kind == "payment_plan":
            R.payment_plan(ledger, terms, as_of, int(periods or 0))
        elif kind == "extend_term":
            R.extend_term(ledger, terms, as_of, int(periods or 0))
        elif kind == "reduce_rate":
            rate = Decimal(str(new_rate))
            terms = R.reduce_rate(ledger, terms, as_of, rate)
            loan.annual_rate = rate
        else:
            R.capitalise(ledger, terms, as_of)
    except L.PostingError as exc:
        raise ValidationError(_(exc.message) % exc.params) from None
    except (InvalidOperation, ValueError):
        raise ValidationError({"new_rate": _("Enter a rate between 0 and 1, such as 0.0435.")}) from None
    before = {"schedule_version": loan.schedule_version, "annual_rate": str(loan.annual_rate)}
    loan.schedule_version += 1
    loan.restructured, loan.restructured_on = True, as_of
    loan.maturity_date = max(i.due_date for i in ledger.instalments)
    loan.term = max(i.period for i in ledger.instalments)
    params = {
        "kind": kind,
        "periods": periods,
        "new_rate": str(new_rate) if new_rate is not None else None,
        "reason": reason,
    }
    ScheduleVersion.objects.create(
        loan=loan,
        version=loan.schedule_version,
        reason=kind,
        params=params,
        base=ledger_store.ledger_to_json(ledger),
        terms={"annual_rate": str(loan.annual_rate), "term": loan.term},
        created_on=as_of,
        created_by=_who(actor),
    )
    ledger_store.write_state(loan, ledger)
    loan.save()
    platform.record_audit(
        actor=actor,
        action="restructure",
        obj=loan,
        before=before,
        after={"schedule_version": loan.schedule_version, **params},
        institution_id=loan.institution_id,
    )
    _event(
        customer=loan.customer,
        loan=loan,
        kind="restructured",
        actor=actor,
        treatment=kind,
        periods=periods,
        new_rate=params["new_rate"],
        reason=reason,
    )
    return loan


# --- waivers and write-off (maker-checker) --------------------------------------------------------


@transaction.atomic
def request_adjustment(
    *, actor: User, loan: Loan, kind: str, amounts: dict[str, Any] | None = None, reason: str
) -> Adjustment:
    """A waiver of component amounts, or a write-off of everything outstanding, awaiting approval."""
    platform.require(actor, "servicing.request_waiver")
    if not reason.strip():
        raise ValidationError({"reason": _("Give a reason.")})
    if loan.status != Loan.Status.ACTIVE:
        raise ValidationError(_("Only active loans can be waived or written off."))
    ledger = ledger_store.current_ledger(loan)
    if kind == Adjustment.Kind.WRITE_OFF:
        clean = {c: str(sum((i.outstanding(c) for i in ledger.instalments), ZERO)) for c in L.COMPONENTS}
    elif kind == Adjustment.Kind.WAIVER:
        clean = {}
        for comp, raw in (amounts or {}).items():
            if comp not in L.COMPONENTS:
                raise ValidationError({comp: _("Unknown component.")})
            if raw in (None, "", "0", 0):
                continue
            value = _amount(raw, comp)
            available = sum((i.outstanding(comp) for i in ledger.instalments), ZERO)
            if value > available:
                raise ValidationError({comp: _("Only %(n)s is outstanding.") % {"n": available}})
            clean[comp] = str(value)
        if not clean:
            raise ValidationError({"amounts": _("Enter at least one amount to waive.")})
    else:
        raise ValidationError({"kind": _("Unknown adjustment kind.")})
    total = sum((Decimal(v) for v in clean.values()), ZERO)
    if total <= 0:
        raise ValidationError(_("Nothing is outstanding."))
    adjustment = Adjustment.objects.create(
        loan=loan,
        kind=kind,
        amounts=clean,
        total=total,
        reason=reason,
        requested_by=actor,
        requested_on=loan.institution.business_date,
    )
    platform.record_audit(
        actor=actor,
        action="request",
        obj=adjustment,
        after=platform.snapshot(adjustment),
        institution_id=loan.institution_id,
    )
    _event(
        customer=loan.customer, loan=loan, kind=f"{kind}_requested", actor=actor, total=total, reason=reason
    )
    return adjustment


def approval_limit(user: User, kind: str) -> Decimal:
    limits = ApprovalLimit.objects.filter(role__in=user.roles.all(), kind=kind).values_list(
        "max_amount", flat=True
    )
    return max(limits, default=ZERO)


@transaction.atomic
def decide_adjustment(*, actor: User, adjustment: Adjustment, approve: bool, note: str = "") -> Adjustment:
    """The checker's decision. Approval needs the permission, a different user than the maker, and an
    authority limit at least the amount; an approved adjustment is posted at once."""
    platform.require(actor, "servicing.approve_waiver")
    adjustment = Adjustment.objects.select_for_update().get(pk=adjustment.pk)
    if adjustment.status != Adjustment.Status.REQUESTED:
        raise ValidationError(_("This request has already been decided."))
    if adjustment.requested_by_id == actor.pk:
        raise ValidationError(_("You cannot decide a request you made yourself (maker-checker)."))
    if approve:
        limit = approval_limit(actor, adjustment.kind)
        if adjustment.total > limit:
            raise ValidationError(
                _("This request (%(total)s) is above your approval limit of %(limit)s.")
                % {"total": adjustment.total, "limit": limit}
            )
    elif not note.strip():
        raise ValidationError({"note": _("Give a reason for the rejection.")})
    loan = _lock(adjustment.loan)
    if approve and loan.status != Loan.Status.ACTIVE:
        raise ValidationError(
            _("The loan is no longer active (settled or written off); reject this request.")
        )
    adjustment.decided_by, adjustment.decided_on, adjustment.decision_note = (
        actor,
        loan.institution.business_date,
        note,
    )
    if not approve:
        adjustment.status = Adjustment.Status.REJECTED
        adjustment.save()
    elif adjustment.kind == Adjustment.Kind.WAIVER:
        adjustment.status, adjustment.segment_version = Adjustment.Status.APPROVED, loan.schedule_version
        adjustment.save()
        _replay_and_save(loan, ledger_store.segment_events(loan))
    else:
        _post_write_off(loan, adjustment)
    platform.record_audit(
        actor=actor,
        action="approve" if approve else "reject",
        obj=adjustment,
        before={"status": "requested"},
        after={"status": adjustment.status, "note": note},
        institution_id=loan.institution_id,
    )
    _event(
        customer=loan.customer,
        loan=loan,
        kind=f"{adjustment.kind}_{adjustment.status}",
        actor=actor,
        total=adjustment.total,
        note=note,
    )
    return adjustment


def _post_write_off(loan: Loan, adjustment: Adjustment) -> None:
    ensure_open(loan.institution)  # the batch has read the loan as active for the date it closes
    ledger = ledger_store.current_ledger(loan)
    total = ledger.total_outstanding()
    adjustment.status = Adjustment.Status.APPROVED
    adjustment.total = total
    adjustment.save()
    loan.status, loan.written_off_amount, loan.closed_on = (
        Loan.Status.WRITTEN_OFF,
        total,
        loan.institution.business_date,
    )
    loan.save(update_fields=["status", "written_off_amount", "closed_on"])


@transaction.atomic
def record_recovery(
    *, actor: User, loan: Loan, amount: Any, value_date: dt.date, channel: str, external_id: str | None = None
) -> Recovery:
    """Money received after write-off, booked separately from the closed schedule."""
    platform.require(actor, "servicing.post_repayment")
    loan = _lock(loan)
    if loan.status != Loan.Status.WRITTEN_OFF:
        raise ValidationError(_("Recoveries are booked only on written-off loans."))
    amount = _amount(amount, "amount")
    if value_date > loan.institution.business_date:
        raise ValidationError(
            {
                "value_date": _("The value date cannot be after the business date (%(d)s).")
                % {"d": loan.institution.business_date.isoformat()}
            }
        )
    if (
        external_id
        and Recovery.objects.filter(loan__institution=loan.institution, external_id=external_id).exists()
    ):
        raise ValidationError({"external_id": _("This transaction id is already booked.")})
    recovered = sum((r.amount for r in loan.recoveries.all()), ZERO)
    if recovered + amount > loan.written_off_amount:
        raise ValidationError(
            {
                "amount": _("Recoveries would exceed the written-off amount of %(n)s.")
                % {"n": loan.written_off_amount}
            }
        )
    recovery = Recovery.objects.create(
        loan=loan,
        amount=amount,
        value_date=value_date,
        channel=channel,
        external_id=external_id,
        posted_by=_who(actor),
        posted_on=loan.institution.business_date,
    )
    platform.record_audit(
        actor=actor,
        action="recovery",
        obj=recovery,
        after=platform.snapshot(recovery),
        institution_id=loan.institution_id,
    )
    _event(customer=loan.customer, loan=loan, kind="recovery", actor=actor, amount=amount)
    return recovery


@transaction.atomic
def set_approval_limit(*, actor: User, role: Any, kind: str, max_amount: Any) -> ApprovalLimit:
    platform.require(actor, "platform.manage_roles")
    if kind not in Adjustment.Kind.values:
        raise ValidationError({"kind": _("Unknown adjustment kind.")})
    value = money(max_amount)
    if value < 0:
        raise ValidationError({"max_amount": _("The limit cannot be negative.")})
    limit, _created = ApprovalLimit.objects.update_or_create(
        role=role, kind=kind, defaults={"max_amount": value}
    )
    platform.record_audit(
        actor=actor,
        action="set_limit",
        obj=limit,
        after={"role": role.code, "kind": kind, "max_amount": str(value)},
    )
    return limit


__all__ = ["DuplicatePayment", "Method"]
