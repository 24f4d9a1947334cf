"""Servicing ledger: customers, products, loans, schedules, repayments, allocation, restructuring,
waivers and write-off. The system of record every other module reads."""
